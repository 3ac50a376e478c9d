/*
 * json.h - the API's shapes: papers in the envelope of Hugging Face's
 * papers API (so that huggingface_hub pointed here works unchanged), users,
 * and a request's JSON body.
 */
#ifndef PAPERBOY_WEB_JSON_H
#define PAPERBOY_WEB_JSON_H

#include "web_int.h"

/* The paper as an API envelope item (a new reference). */
json_t *json_paper(struct req *r, const struct paper *p);
/* The same for a list: NULL when the reader muted p (?muted=show: kept,
 * with "muted": why); "isNew" when it is new since the last visit. */
json_t *json_list_paper(struct req *r, const struct paper *p);
/* o[key] = t as ISO 8601 UTC. */
void json_set_time(json_t *o, const char *key, pb_time t);
/* A time in the API: ISO 8601 UTC, or null when there is none. */
json_t *json_time(pb_time t);
/* A user in Hugging Face's shape. */
json_t *json_user(const char *name, const char *fullname);
/* The request's body as a JSON object; NULL after answering 400. */
json_t *json_body(struct req *r, struct resp *o);

/* The reader's preferences: {"muteCollapse", "readMark", "privateFeed"}. */
json_t *json_prefs(struct req *r);
/* A store callback: appends {"kind", "value", "created"} of a follow (or a
 * mute) to the JSON array arr. */
int json_follow_append(const struct follow *f, void *arr);

#endif
