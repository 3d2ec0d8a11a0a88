// Linux system calls that Swift's Glibc module does not import (they sit behind _GNU_SOURCE).
// Only plain prototypes here: defining _GNU_SOURCE in a module header clashes with Swift's Glibc
// module, so the definitions live in system_shims.c.
#ifndef ARTIFACTFS_SYSTEM_SHIMS_H
#define ARTIFACTFS_SYSTEM_SHIMS_H

/// renameat2(2) between directory descriptors; with `noreplace`, RENAME_NOREPLACE (EEXIST when
/// `to` exists, EINVAL or ENOSYS where the file system cannot).
int afs_renameat(int from_dir, const char *from, int to_dir, const char *to, int noreplace);

/// copy_file_range(2) between the current offsets of two descriptors: an in-kernel copy.
/// Returns the bytes copied, 0 at the end of the input, or -1 with errno set.
long afs_copy_file_range(int in_fd, int out_fd, unsigned long length);

/// The POSIX_SPAWN_SETSID flag of posix_spawnattr_setflags(3): the child starts a session of its own.
short afs_posix_spawn_setsid(void);

/// The extended-attribute calls of <sys/xattr.h> that do not follow a final symbolic link.
/// Each returns what the system call returns (a size, or 0), or -1 with errno set.
long afs_lgetxattr(const char *path, const char *name, void *value, unsigned long size);
int afs_lsetxattr(const char *path, const char *name, const void *value, unsigned long size, int flags);
long afs_llistxattr(const char *path, char *list, unsigned long size);
int afs_lremovexattr(const char *path, const char *name);

/// XATTR_CREATE and XATTR_REPLACE, the flags of afs_lsetxattr.
int afs_xattr_create(void);
int afs_xattr_replace(void);

/// mallopt(M_MMAP_THRESHOLD, bytes): allocations of `bytes` or more are mapped on their own and
/// unmapped when freed (and the threshold no longer moves). Returns 1 on success, 0 on failure.
int afs_set_mmap_threshold(int bytes);

#endif
