/* web_assets.h - the page's files (web/index.html, app.js, style.css),
 * compiled into dundian-search by searcher/embed_web.cmake so the server
 * reads nothing from disk but the index. */
#ifndef DD_WEB_ASSETS_H
#define DD_WEB_ASSETS_H

#include <stddef.h>

typedef struct dd_web_asset {
	const char *path; /* "/index.html" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t size;
} dd_web_asset_t;

extern const dd_web_asset_t dd_web_assets[];
extern const size_t dd_web_asset_count;

#endif
