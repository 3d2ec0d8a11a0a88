// The ABI is the header alone; this file gives SwiftPM a C target to build.
#include "artifactfs_plugin.h"
