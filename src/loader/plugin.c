/*
 * plugin.c - loads a strategy from a shared object (plugin.h): dlopen, the
 * entry symbol, the ABI check (which the built-ins' descriptors pass too).
 * Main thread, before any other thread runs.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/sdk.h"
#include "loader/plugin.h"

/* The loaded plugins, open until exit (the main thread alone writes this, before other threads run). */
static void *handles[64];
static int nhandles;

bool
ib_plugin_is_path(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') != NULL || (n > 3 && strcmp(name + n - 3, ".so") == 0);
}

int
ib_plugin_check(const char *name, const ib_sdk_plugin *d, ib_strategy_vtable *vt, char *err, size_t cap)
{
	if (d == NULL || d->vt == NULL) {
		snprintf(err, cap, "plugin %s: %s() returned no strategy", name, IB_SDK_ENTRY);
		return IB_EINVAL;
	}
	if (d->abi_major != IB_SDK_ABI_MAJOR) {
		snprintf(err, cap, "plugin %s: built for SDK ABI %u.%u, this ibpipe has ABI %d.%d (rebuild it against this ibpipe's headers)",
			 name, d->abi_major, d->abi_minor, IB_SDK_ABI_MAJOR, IB_SDK_ABI_MINOR);
		return IB_EINVAL;
	}
	/* Within one major version structs only grow at the end: a plugin's must not be larger than ours. */
	if (d->vtable_size == 0 || d->vtable_size > sizeof(*vt) || d->quote_size != sizeof(ib_quote_data) ||
	    d->book_size != sizeof(ib_book) || d->order_size != sizeof(ib_order) ||
	    d->contract_size != sizeof(ib_contract) || d->accounts_size != sizeof(ib_accounts)) {
		snprintf(err, cap, "plugin %s: struct sizes do not match this ibpipe (ABI %u.%u, vtable %u bytes, ours %zu): rebuild it",
			 name, d->abi_major, d->abi_minor, d->vtable_size, sizeof(*vt));
		return IB_EINVAL;
	}
	memset(vt, 0, sizeof(*vt));
	memcpy(vt, d->vt, d->vtable_size);
	if (vt->name == NULL)
		vt->name = name;
	return IB_OK;
}

int
ib_plugin_load(const char *path, ib_strategy_vtable *vt, char *err, size_t cap)
{
	char file[4096];

	/* "momentum.so" means the file here, not a library on the loader's search path */
	snprintf(file, sizeof(file), "%s%s", strchr(path, '/') ? "" : "./", path);
	void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(err, cap, "plugin %s: cannot load: %s", path, dlerror());
		return IB_EINVAL;
	}
	const ib_sdk_plugin *(*entry)(void);
	*(void **)&entry = dlsym(h, IB_SDK_ENTRY);
	if (entry == NULL) {
		snprintf(err, cap, "plugin %s: no entry symbol %s (define it with IB_SDK_PLUGIN): %s", path,
			 IB_SDK_ENTRY, dlerror());
		dlclose(h);
		return IB_EINVAL;
	}
	if (ib_plugin_check(path, entry(), vt, err, cap) != IB_OK) {
		dlclose(h);
		return IB_EINVAL;
	}
	if (nhandles == (int)(sizeof(handles) / sizeof(handles[0]))) {
		snprintf(err, cap, "plugin %s: more than %d plugins", path, nhandles);
		dlclose(h);
		return IB_EINVAL;
	}
	handles[nhandles++] = h;   /* open until exit: the strategy threads run its code */
	return IB_OK;
}
