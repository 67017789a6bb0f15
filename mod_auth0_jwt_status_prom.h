/*
 * mod_auth0_jwt_status_prom.h: the status report (a jansson object made by
 * mod_auth0_jwt_status.c, fields in docs/status.md) in Prometheus' text
 * exposition format, version 0.0.4 (docs/status.md, "Prometheus"). It writes
 * the body only: the handler has set the status, the headers and the content
 * type (AUTH0_JWT_PROM_TYPE).
 */
#ifndef MOD_AUTH0_JWT_STATUS_PROM_H
#define MOD_AUTH0_JWT_STATUS_PROM_H

#include <httpd.h>
#include <jansson.h>

#define AUTH0_JWT_PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Metric families for a Prometheus scrape (mod_auth0_jwt_status_prom.c). */
void auth0_jwt_status_prom(request_rec *r, json_t *rep);

#endif
