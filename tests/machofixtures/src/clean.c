/* An archive member that uses nothing on Apple's list (only strlen). */
unsigned long strlen(const char *s);

unsigned long clean_length(const char *s) {
    return strlen(s);
}
