/*
 * web_assets.c - the files of src/web/assets/ embedded with the assembler's
 * .incbin (paths relative to the repository root, where make runs; the
 * Makefile rebuilds this object when an asset changes).  Read-only data,
 * any thread.
 */
#include <string.h>

#include "web/web_assets.h"

/* name_start .. name_end: the file's bytes, then a NUL so it is also a C string. */
#define WEB_INCBIN(name, file)                                                                  \
	__asm__(".section .rodata\n"                                                            \
		".balign 16\n"                                                                  \
		".globl " #name "_start\n"                                                      \
		".hidden " #name "_start\n" #name "_start:\n"                                   \
		".incbin \"" file "\"\n"                                                        \
		".globl " #name "_end\n"                                                        \
		".hidden " #name "_end\n" #name "_end:\n"                                       \
		".byte 0\n"                                                                     \
		".previous\n");                                                                 \
	extern const char name##_start[], name##_end[]

WEB_INCBIN(web_index_html, "src/web/assets/index.html");
WEB_INCBIN(web_app_js, "src/web/assets/app.js");
WEB_INCBIN(web_style_css, "src/web/assets/style.css");

static const struct web_asset assets[] = {
	{ "/", "text/html; charset=utf-8", web_index_html_start, web_index_html_end },
	{ "/index.html", "text/html; charset=utf-8", web_index_html_start, web_index_html_end },
	{ "/app.js", "text/javascript; charset=utf-8", web_app_js_start, web_app_js_end },
	{ "/style.css", "text/css; charset=utf-8", web_style_css_start, web_style_css_end },
};

const struct web_asset *
web_asset_find(const char *path)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(path, assets[i].path) == 0)
			return &assets[i];
	return NULL;
}
