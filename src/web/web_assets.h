/*
 * web_assets.h - the dashboard's page, script and style sheet, compiled into
 * the binary (web_assets.c) from the files in src/web/assets/: the dashboard
 * needs no file system and no CDN, since trading boxes often have no internet.
 */
#ifndef IBPIPE_WEB_ASSETS_H
#define IBPIPE_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;   /* URL path */
	const char *type;   /* Content-Type */
	const char *start;  /* the bytes (NUL-terminated) */
	const char *end;    /* one past the last byte: the length is end - start */
};

/* The asset served at path, NULL if none. */
const struct web_asset *web_asset_find(const char *path);

#endif
