/* Look-alikes only: functions of its own named like the APIs, strings that name them, and
 * imports whose names merely resemble them. It calls nothing on Apple's list. */
unsigned long strlen(const char *s);
int mach_timebase_info(void *info);   /* not on the list (mach_absolute_time is) */
int statx_like(const char *path);     /* an import that starts with "stat" */

static const char *const messages[] = {
    "NSUserDefaults",
    "Render time: systemUptime",
    "/proc/self/stat",
    "mach_absolute_time",
    "NSFileCreationDate",
};

int my_lstat(const char *path) {
    return (int)strlen(path);
}

int vm_stat(void) {
    return 4;
}

double statistics(const double *values, int n) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += values[i];
    return n ? sum / n : 0;
}

int decoy_main(const char *path) {
    char info[8];
    int n = my_lstat(path) + vm_stat() + mach_timebase_info(info) + statx_like(path);
    for (unsigned i = 0; i < sizeof messages / sizeof messages[0]; i++)
        n += (int)strlen(messages[i]);
    return n;
}
