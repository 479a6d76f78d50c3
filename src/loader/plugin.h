/*
 * plugin.h - strategies loaded at run time from a shared object (the SDK,
 * include/ibpipe/sdk.h).  The main thread loads them before the pipeline
 * is built; the handle stays open for the life of the process, since the
 * strategy threads run its code until exit.
 */
#ifndef IBPIPE_LOADER_PLUGIN_H
#define IBPIPE_LOADER_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "ibpipe/sdk.h"

/* A strategy value names a plugin when it holds a '/' or ends in ".so". */
bool ib_plugin_is_path(const char *name);
/*
 * dlopen the plugin, check its descriptor (ABI major, sizes) and copy its
 * vtable into *vt (callbacks it does not know stay NULL).  IB_OK, or
 * IB_EINVAL with "plugin PATH: reason" in err (the dlerror() text where
 * there is one).
 */
int ib_plugin_load(const char *path, ib_strategy_vtable *vt, char *err, size_t cap);
/*
 * The descriptor's checks alone (ABI major, struct sizes), then its vtable
 * copied into *vt as above; name names it in err.  The built-ins' descriptors
 * (registry.c) go through this too.
 */
int ib_plugin_check(const char *name, const ib_sdk_plugin *d, ib_strategy_vtable *vt, char *err, size_t cap);

#endif
