// The ArtifactFS plugin ABI: the C table a flavor plugin (a shared library) hands to artifactfs.
//
// Only C types cross the boundary, so a plugin built by another compiler release, or linking its
// own copy of the Swift modules, still works: Swift types never do. Descriptions, configs and
// store operations travel as UTF-8 JSON text; file data travels as raw buffers.
//
// Every call that can fail returns 0 (or a count) on success; on failure it returns -1 and sets
// *error (or *result) to a JSON object {"domain": "store" | "config" | "model_registry", "code", "path", "message"}.
// Every string a plugin returns through a `char **` is freed by the host with free_string.
//
// The first field, abi_version, keeps its place in every version of this header, so the host
// reads it before touching anything else and refuses a plugin built for an ABI it cannot read.
// Versions only ever append: a version-2 table begins with the whole version-1 table, so a host
// of version 2 still loads version-1 plugins (their artifact stores), and refuses what needs 2.
#ifndef ARTIFACTFS_PLUGIN_H
#define ARTIFACTFS_PLUGIN_H

#include <stdint.h>

/// The ABI this header describes: 2 adds components of other types (model registries) to 1.
#define ARTIFACTFS_PLUGIN_ABI_VERSION 2

/// The oldest ABI a host of this header still loads (its plugins serve artifact stores only).
#define ARTIFACTFS_PLUGIN_ABI_OLDEST_VERSION 1

/// The name of the one symbol a plugin exports: `const afs_plugin_v1 *artifactfs_plugin_entry(void)`
/// (a version-2 plugin returns the address of its `afs_plugin_v2`, whose first member is the v1 table).
#define ARTIFACTFS_PLUGIN_ENTRY "artifactfs_plugin_entry"

typedef struct afs_plugin_v1 {
    /// ARTIFACTFS_PLUGIN_ABI_VERSION of the header the plugin was built with.
    uint32_t abi_version;
    /// The SDK release the plugin was built with (for messages), e.g. "1.0.0"; owned by the plugin.
    const char *sdk_version;
    /// JSON {"flavors": [{"name", "type", "summary", "schemes": [...], "fields": [...]}]}; owned by the plugin.
    const char *(*describe)(void);
    /// Validates a config of flavor `flavor` of component type `type` (`artifact_store`);
    /// *result gets the prepared config JSON (defaults filled in), or an error.
    int32_t (*prepare)(const char *type, const char *flavor, const char *config_json, char **result);
    /// Makes a store of an artifact-store flavor from a validated config with secrets resolved;
    /// *result gets {"root", "schemes": [...], "capabilities": {...}}, or an error.
    int32_t (*store_make)(const char *flavor, const char *config_json, void **store, char **result);
    /// One store operation. The request is {"op": "stat" | "scandir" | "mkdir" | "rmdir" | "remove", "path"}
    /// or {"op": "rename" | "copyfile", "source", "destination", "overwrite"}; *result gets the
    /// answer JSON (a file info, a list of entries, or {}), or an error. Dates are Unix seconds.
    int32_t (*store_call)(void *store, const char *request_json, char **result);
    /// Drops a store made by store_make.
    void (*store_release)(void *store);
    /// Opens a file in mode "r", "w" or "a".
    int32_t (*file_open)(void *store, const char *path, const char *mode, void **file, char **error);
    /// Reads up to count bytes at offset (offset < 0: at the current position, advancing it);
    /// returns the count read (0 at the end of the file) or -1.
    int64_t (*file_read)(void *file, void *buffer, uint64_t count, int64_t offset, char **error);
    /// Writes all count bytes at the current position.
    int32_t (*file_write)(void *file, const void *buffer, uint64_t count, char **error);
    /// Moves the position (origin 0: start, 1: current, 2: end); returns the new position or -1.
    int64_t (*file_seek)(void *file, int64_t offset, int32_t origin, char **error);
    /// Closes the file: for a write, this publishes it. The handle stays valid until file_release.
    int32_t (*file_close)(void *file, char **error);
    /// Drops a file handle; one never closed discards what it wrote.
    void (*file_release)(void *file);
    /// Frees a string the plugin returned through *result or *error.
    void (*free_string)(char *text);
} afs_plugin_v1;

/// Version 2: the version-1 table, then components of the other types, each one object behind
/// JSON calls. Model registries (type `model_registry`) are served this way.
typedef struct afs_plugin_v2 {
    /// Every version-1 entry, abi_version first (set to 2).
    afs_plugin_v1 v1;
    /// Makes a component of flavor `flavor` of component type `type` (`model_registry`) from a
    /// validated config with secrets resolved; *result gets {} or an error.
    int32_t (*component_make)(const char *type, const char *flavor, const char *config_json, void **component, char **result);
    /// One call of the component's protocol. For a model registry the request is
    /// {"method": "registerModel" | "deleteModel" | "updateModel" | "model" | "models" |
    /// "registerModelVersion" | "deleteModelVersion" | "updateModelVersion" | "modelVersions" |
    /// "modelVersion" | "latestModelVersion" | "setAlias" | "deleteAlias" | "modelVersionForAlias", ...arguments};
    /// *result gets the answer JSON (a model, a version, a list of them, null, or {}), or an error
    /// of domain "model_registry" with code "alreadyExists" | "notFound" | "invalidValue" | "backend".
    int32_t (*component_call)(void *component, const char *request_json, char **result);
    /// Drops a component made by component_make.
    void (*component_release)(void *component);
} afs_plugin_v2;

/// The entry point's type.
typedef const afs_plugin_v1 *(*afs_plugin_entry_fn)(void);

#endif
