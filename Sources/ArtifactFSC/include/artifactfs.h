/*
 * artifactfs.h — the C API of libArtifactFSC, ArtifactFS's `fileio` for any language.
 *
 * Build the library with `swift build --product ArtifactFSC` (it lands in `.build/debug` or
 * `.build/release` as libArtifactFSC.so). Every path may carry a scheme (`s3://bucket/key`,
 * `gs://...`, `az://...`, `memory://...`, `/plain/path`) and is routed as `artifactfs` routes it,
 * once artifactfs_activate() has opened the project's metadata (components, secrets, plugins).
 *
 * Conventions
 * - Every function is safe to call from many threads at once; none holds a global lock around I/O.
 * - Failure: functions returning int32_t/int64_t return -1 (predicates: 1 true, 0 false, -1 error).
 *   The reason is then in this thread's last error (artifactfs_last_error_*), kept until the next
 *   failing call on the same thread. Successful calls leave it alone.
 * - Strings are NUL-terminated UTF-8. Strings and blocks the library returns through `char **`
 *   out-parameters are allocated by the library and freed by the caller with artifactfs_free().
 * - Byte buffers for read and write belong to the caller.
 * - File handles are opaque positive integers, valid until artifactfs_close(); a closed or unknown
 *   handle fails with ARTIFACTFS_ERR_INVALID_ARGUMENT.
 */
#ifndef ARTIFACTFS_H
#define ARTIFACTFS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this API; artifactfs_api_version() returns the library's. A caller built against
 * this header checks that the two are equal before its first other call. */
#define ARTIFACTFS_API_VERSION 1

/* Error codes (artifactfs_last_error_code), one per ArtifactStoreError code; the errno each maps
 * onto is in brackets (artifactfs_last_error_errno returns the failed system call's own errno when
 * there was one). */
#define ARTIFACTFS_OK 0
#define ARTIFACTFS_ERR_NOT_FOUND 1              /* [ENOENT] the path does not exist */
#define ARTIFACTFS_ERR_ALREADY_EXISTS 2         /* [EEXIST] destination exists, no overwrite asked */
#define ARTIFACTFS_ERR_NOT_A_DIRECTORY 3        /* [ENOTDIR] */
#define ARTIFACTFS_ERR_IS_A_DIRECTORY 4         /* [EISDIR] */
#define ARTIFACTFS_ERR_DIRECTORY_NOT_EMPTY 5    /* [ENOTEMPTY] */
#define ARTIFACTFS_ERR_PERMISSION_DENIED 6      /* [EACCES] */
#define ARTIFACTFS_ERR_READ_ONLY 7              /* [EROFS] */
#define ARTIFACTFS_ERR_INVALID_PATH 8           /* [EINVAL] malformed or outside the store's root */
#define ARTIFACTFS_ERR_INVALID_ARGUMENT 9       /* [EINVAL] unknown mode, closed handle, ... */
#define ARTIFACTFS_ERR_UNSUPPORTED_SCHEME 10    /* [EPROTONOSUPPORT] no store serves the scheme */
#define ARTIFACTFS_ERR_UNSUPPORTED_OPERATION 11 /* [ENOTSUP] the store cannot do this */
#define ARTIFACTFS_ERR_IO 12                    /* [EIO] */
#define ARTIFACTFS_ERR_NOT_PERMITTED 13         /* [EPERM] */
#define ARTIFACTFS_ERR_NAME_TOO_LONG 14         /* [ENAMETOOLONG] */
#define ARTIFACTFS_ERR_NO_SUCH_ATTRIBUTE 15     /* [ENODATA] */
#define ARTIFACTFS_ERR_OTHER 100                /* [EIO] any other failure: metadata store, config */

/* Kinds artifactfs_stat reports. */
#define ARTIFACTFS_KIND_FILE 0
#define ARTIFACTFS_KIND_DIRECTORY 1
#define ARTIFACTFS_KIND_SYMLINK 2
#define ARTIFACTFS_KIND_OTHER 3

/* `whence` of artifactfs_seek, as lseek(2)'s. */
#define ARTIFACTFS_SEEK_SET 0
#define ARTIFACTFS_SEEK_CUR 1
#define ARTIFACTFS_SEEK_END 2

/* ---- Version and project ---- */

/* ARTIFACTFS_API_VERSION as the library was built. */
int32_t artifactfs_api_version(void);

/* Opens a project's metadata store and routes every later call through its components (configs,
 * secrets, plugin flavors, models://), exactly as the `artifactfs` command does. `project` is a
 * folder holding `.artifactfs/` (where `artifactfs init` ran) or a config folder itself; NULL finds
 * it as `artifactfs` does (ARTIFACTFS_CONFIG_DIR, the nearest `.artifactfs/` upwards from the working
 * directory, then ~/.config/artifactfs). Calling it again adds the other project's routes (a root
 * registered twice: the later one wins). Without it, plain paths and memory:// work, and s3://,
 * gs://, az:// use credentials from the environment. Returns 0, or -1. */
int32_t artifactfs_activate(const char *project);

/* ---- Files ---- */

/* Opens a file with mode "r", "rb", "w", "wb", "a" or "ab". A file opened for writing appears
 * (complete) only when artifactfs_close() succeeds. Returns a handle > 0, or -1. */
int64_t artifactfs_open(const char *path, const char *mode);

/* Reads up to `count` bytes at the handle's position into `buffer` and advances it.
 * Returns the number of bytes read (0 at the end of the file), or -1. */
int64_t artifactfs_read(int64_t handle, void *buffer, int64_t count);

/* Reads up to `count` bytes at `offset` without moving the position; safe to call on one handle
 * from many threads. Returns the number read (fewer than asked only at the end), or -1. */
int64_t artifactfs_read_at(int64_t handle, void *buffer, int64_t count, uint64_t offset);

/* Writes all `count` bytes of `buffer` at the position. Returns `count`, or -1. */
int64_t artifactfs_write(int64_t handle, const void *buffer, int64_t count);

/* Moves the position as lseek(2) does (`whence`: ARTIFACTFS_SEEK_*). Returns the new position, or -1. */
int64_t artifactfs_seek(int64_t handle, int64_t offset, int32_t whence);

/* The handle's position, or -1. */
int64_t artifactfs_tell(int64_t handle);

/* Closes a handle; for a write handle this publishes the file, and -1 means it was not written.
 * The handle is invalid afterwards either way. Returns 0, or -1. */
int32_t artifactfs_close(int64_t handle);

/* ---- Paths ---- */

/* Copies a file, within or across stores; refuses an existing destination unless `overwrite`. */
int32_t artifactfs_copy(const char *source, const char *destination, int32_t overwrite);
/* Moves a file or directory, within or across stores; refuses an existing destination unless `overwrite`. */
int32_t artifactfs_rename(const char *source, const char *destination, int32_t overwrite);
/* Removes a file. */
int32_t artifactfs_remove(const char *path);
/* Removes a directory and everything below it. */
int32_t artifactfs_rmtree(const char *path);
/* Creates one directory; its parent must exist. */
int32_t artifactfs_mkdir(const char *path);
/* Creates a directory and its missing parents; an existing directory is fine. */
int32_t artifactfs_makedirs(const char *path);
/* 1 when something exists at `path`, 0 when not, -1 on failure. */
int32_t artifactfs_exists(const char *path);
/* 1 when `path` is a directory, 0 when not (or missing), -1 on failure. */
int32_t artifactfs_isdir(const char *path);

/* The metadata of a path: `kind` (ARTIFACTFS_KIND_*), `size` in bytes (0 for a directory) and
 * `mtime` in seconds since 1970 (NaN when the store keeps none). Any out-pointer may be NULL. */
int32_t artifactfs_stat(const char *path, int32_t *kind, uint64_t *size, double *mtime);

/* The size of a file, or the sum of the files below a directory; -1 on failure. */
int64_t artifactfs_size(const char *path);

/* The base names in a directory, sorted, as one block of `*length` bytes in which each name is
 * NUL-terminated ("a\0b\0"; empty directory: length 0). Fails on a missing path. */
int32_t artifactfs_listdir(const char *path, char **names, size_t *length);

/* The paths matching a pattern with *, ?, [...], [!...] and **, sorted, in the block form of
 * artifactfs_listdir. Dot-files match only a pattern starting with a dot, as Python's glob. */
int32_t artifactfs_glob(const char *pattern, char **paths, size_t *length);

/* The entries of a directory as one JSON array (NUL-terminated, `*length` bytes without the NUL):
 * [{"name": "a.csv", "kind": "file", "size": 12, "mtime": 1700000000.5}, ...]; "kind" is "file",
 * "directory", "symlink" or "other"; "size" and "mtime" are absent where the listing lacks them.
 * One listing, no stat per entry. */
int32_t artifactfs_scandir(const char *path, char **json, size_t *length);

/* Walks a tree, returning every directory visited as one JSON document (NUL-terminated):
 * {"entries": [["dir", ["subdir", ...], ["file", ...]], ...], "errors": [{"code": 1, "errno": 2,
 * "name": "notFound", "message": "...", "path": "..."}, ...]}, top-down (parents first) when
 * `topdown` is non-zero, else bottom-up. The top must be a directory. Errors below the top stop
 * the walk (-1) unless `collect_errors` is non-zero: then they are listed in "errors" and the walk
 * goes on. Object stores walk from one listing of the whole prefix. */
int32_t artifactfs_walk(const char *top, int32_t topdown, int32_t collect_errors, char **json, size_t *length);

/* Frees what the library returned through a `char **` out-parameter; NULL is fine. */
void artifactfs_free(void *pointer);

/* ---- Errors (this thread's last failure) ---- */

/* ARTIFACTFS_ERR_* of the last failure on this thread; ARTIFACTFS_OK when none. */
int32_t artifactfs_last_error_code(void);
/* The errno it maps onto (the failed system call's own when there was one); 0 when none. */
int32_t artifactfs_last_error_errno(void);
/* The code's stable name ("notFound"), the message (naming the path; never a secret) and the path
 * it is about ("" when none). Valid until the next failing call on this thread; never NULL. */
const char *artifactfs_last_error_name(void);
const char *artifactfs_last_error_message(void);
const char *artifactfs_last_error_path(void);

#ifdef __cplusplus
}
#endif

#endif /* ARTIFACTFS_H */
