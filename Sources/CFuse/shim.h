// libfuse3 for Swift: the API version and fixed-signature wrappers for what Swift cannot call.
#ifndef ARTIFACTFS_CFUSE_SHIM_H
#define ARTIFACTFS_CFUSE_SHIM_H

#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <stdlib.h>
#include <sys/stat.h>

// Creates the file system; fuse_new is a macro over versioned symbols on some builds.
static inline struct fuse *cfuse_new(struct fuse_args *args, const struct fuse_operations *operations, void *private_data) {
    return fuse_new(args, operations, sizeof(struct fuse_operations), private_data);
}

// Runs the multi-threaded loop; fuse_loop_mt is a macro that picks a versioned symbol.
static inline int cfuse_loop_mt(struct fuse *fuse, unsigned int max_threads) {
    struct fuse_loop_config *config = fuse_loop_cfg_create();
    if (config == NULL) return -1;
    fuse_loop_cfg_set_clone_fd(config, 0);
    fuse_loop_cfg_set_max_threads(config, max_threads);
    fuse_loop_cfg_set_idle_threads(config, max_threads / 2);
    int result = fuse_loop_mt(fuse, config);
    fuse_loop_cfg_destroy(config);
    return result;
}

// fuse_file_info keeps its flags in bit-fields, which Swift imports but cannot always set.
static inline void cfuse_set_direct_io(struct fuse_file_info *info, int on) { info->direct_io = on ? 1 : 0; }
static inline void cfuse_set_keep_cache(struct fuse_file_info *info, int on) { info->keep_cache = on ? 1 : 0; }

// A reply of `size` bytes at `offset` of the open file `fd`, which libfuse splices to the kernel
// (or reads, where it cannot splice). libfuse frees the vector after replying.
static inline struct fuse_bufvec *cfuse_file_bufvec(int fd, size_t size, off_t offset) {
    struct fuse_bufvec *vector = malloc(sizeof(struct fuse_bufvec));
    if (vector == NULL) return NULL;
    *vector = FUSE_BUFVEC_INIT(size);
    vector->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK | FUSE_BUF_FD_RETRY;
    vector->buf[0].fd = fd;
    vector->buf[0].pos = offset;
    return vector;
}

// A reply held in memory: `size` bytes allocated for the caller to fill and shorten to what it
// read. libfuse frees the memory and the vector after replying.
static inline struct fuse_bufvec *cfuse_memory_bufvec(size_t size) {
    struct fuse_bufvec *vector = malloc(sizeof(struct fuse_bufvec));
    if (vector == NULL) return NULL;
    *vector = FUSE_BUFVEC_INIT(size);
    vector->buf[0].mem = malloc(size > 0 ? size : 1);
    if (vector->buf[0].mem == NULL) {
        free(vector);
        return NULL;
    }
    return vector;
}

#endif
