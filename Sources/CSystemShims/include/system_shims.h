// Linux system calls that Swift's Glibc module does not import (they sit behind _GNU_SOURCE).
// Only plain prototypes here: defining _GNU_SOURCE in a module header clashes with Swift's Glibc
// module, so the definitions live in system_shims.c.
#ifndef ARTIFACTFS_SYSTEM_SHIMS_H
#define ARTIFACTFS_SYSTEM_SHIMS_H

/// renameat2(2) with RENAME_NOREPLACE: moves `from` to `to` only if `to` does not exist, atomically.
/// Returns 0, or -1 with errno set (EEXIST when `to` exists).
int afs_rename_noreplace(const char *from, const char *to);

/// copy_file_range(2) between the current offsets of two descriptors: an in-kernel copy.
/// Returns the bytes copied, 0 at the end of the input, or -1 with errno set.
long afs_copy_file_range(int in_fd, int out_fd, unsigned long length);

/// The POSIX_SPAWN_SETSID flag of posix_spawnattr_setflags(3): the child starts a session of its own.
short afs_posix_spawn_setsid(void);

#endif
