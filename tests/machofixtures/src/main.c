/* The executable's entry point: it calls into the planted uses so nothing is dead. */
int rr_file_times(const char *path);
int rr_disk_space(const char *path);
unsigned long long rr_boot_time(void);

int main(int argc, char **argv) {
    (void)argc;
    return rr_file_times(argv[0]) + rr_disk_space(argv[0]) + (int)rr_boot_time();
}
