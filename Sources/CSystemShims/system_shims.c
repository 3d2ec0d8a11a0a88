#define _GNU_SOURCE
#include <sys/xattr.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include <stdio.h>
#include <unistd.h>
#include "system_shims.h"

int afs_renameat(int from_dir, const char *from, int to_dir, const char *to, int noreplace) {
#ifdef RENAME_NOREPLACE
    return renameat2(from_dir, from, to_dir, to, noreplace ? RENAME_NOREPLACE : 0);
#else
    if (noreplace) {
        errno = EINVAL;
        return -1;
    }
    return renameat(from_dir, from, to_dir, to);
#endif
}

long afs_copy_file_range(int in_fd, int out_fd, unsigned long length) {
    return (long)copy_file_range(in_fd, NULL, out_fd, NULL, (size_t)length, 0);
}

short afs_posix_spawn_setsid(void) {
    return POSIX_SPAWN_SETSID;
}

long afs_lgetxattr(const char *path, const char *name, void *value, unsigned long size) {
    return lgetxattr(path, name, value, size);
}

int afs_lsetxattr(const char *path, const char *name, const void *value, unsigned long size, int flags) {
    return lsetxattr(path, name, value, size, flags);
}

long afs_llistxattr(const char *path, char *list, unsigned long size) {
    return llistxattr(path, list, size);
}

int afs_lremovexattr(const char *path, const char *name) {
    return lremovexattr(path, name);
}

int afs_xattr_create(void) { return XATTR_CREATE; }

int afs_xattr_replace(void) { return XATTR_REPLACE; }

int afs_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
