/* Required-reason C APIs, called for real. No SDK headers exist on Linux, so the prototypes are
 * declared here; the calls compile to undefined externals exactly as with Apple's headers. */
struct stat;
struct statfs;
struct statvfs;
struct attrlist;
int stat(const char *path, struct stat *buf);
int lstat(const char *path, struct stat *buf);
int fstat(int fd, struct stat *buf);
int fstatat(int fd, const char *path, struct stat *buf, int flag);
int statfs(const char *path, struct statfs *buf);
int fstatvfs(int fd, struct statvfs *buf);
int getattrlist(const char *path, struct attrlist *list, void *buf, unsigned long size,
                unsigned int options);
unsigned long long mach_absolute_time(void);

static char buffer[512];

int rr_file_times(const char *path) {
    int n = stat(path, (struct stat *)buffer);
    n += lstat(path, (struct stat *)buffer);
    n += fstat(0, (struct stat *)buffer);
    n += fstatat(0, path, (struct stat *)buffer, 0);
    n += getattrlist(path, (struct attrlist *)buffer, buffer, sizeof buffer, 0);
    return n;
}

int rr_disk_space(const char *path) {
    return statfs(path, (struct statfs *)buffer) + fstatvfs(0, (struct statvfs *)buffer);
}

unsigned long long rr_boot_time(void) {
    return mach_absolute_time();
}
