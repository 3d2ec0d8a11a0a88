#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <unistd.h>
#include "system_shims.h"

int afs_rename_noreplace(const char *from, const char *to) {
#ifdef RENAME_NOREPLACE
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
#else
    errno = EINVAL;
    return -1;
#endif
}

long afs_copy_file_range(int in_fd, int out_fd, unsigned long length) {
    return (long)copy_file_range(in_fd, NULL, out_fd, NULL, (size_t)length, 0);
}

short afs_posix_spawn_setsid(void) {
    return POSIX_SPAWN_SETSID;
}
