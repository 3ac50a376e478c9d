/*
 * naive_pg.c - the PostgreSQL peer of the ingest benchmark: loads the
 * first LIMIT lines of a snapshot JSON-lines file into a plain table the
 * obvious way, one INSERT statement per row in autocommit mode (a
 * prepared statement, so only the round trip and the commit per row
 * remain), and prints records/s.
 *
 * usage: pb-bench-naive-pg FILE.jsonl CONNINFO LIMIT
 */
#include "../../src/util/util.h"
#include <jansson.h>
#include <libpq-fe.h>

int main(int argc, char **argv)
{
	long limit;
	if (argc != 4 || parse_int(argv[3], 1, 100000000, &limit)) {
		fprintf(stderr, "usage: pb-bench-naive-pg FILE.jsonl CONNINFO LIMIT\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	PGconn *c = PQconnectdb(argv[2]);
	if (!f || PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pb-bench-naive-pg: cannot open the input or connect: %s\n", PQerrorMessage(c));
		return 1;
	}
	PQclear(PQexec(c, "CREATE TABLE IF NOT EXISTS naive_papers(id TEXT PRIMARY KEY, title TEXT, abstract TEXT, "
			  "authors TEXT, categories TEXT, comments TEXT, journal_ref TEXT, doi TEXT, license TEXT, "
			  "update_date TEXT)"));
	PGresult *r = PQprepare(c, "ins",
				"INSERT INTO naive_papers VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT(id) DO UPDATE "
				"SET title = excluded.title, abstract = excluded.abstract",
				10, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "pb-bench-naive-pg: %s", PQerrorMessage(c));
		return 1;
	}
	PQclear(r);
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	double t0 = mono_seconds();
	static const char *keys[] = { "id", "title", "abstract", "authors", "categories",
				      "comments", "journal-ref", "doi", "license", "update_date" };
	while (n < limit && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		if (!o)
			continue;
		const char *vals[10];
		for (int i = 0; i < 10; i++)
			vals[i] = json_string_value(json_object_get(o, keys[i]));
		r = PQexecPrepared(c, "ins", 10, vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "pb-bench-naive-pg: %s", PQerrorMessage(c));
			return 1;
		}
		PQclear(r);
		json_decref(o);
		n++;
	}
	double el = mono_seconds() - t0;
	printf("naive_records=%ld naive_seconds=%.3f naive_rps=%.0f\n", n, el, (double)n / el);
	free(line);
	fclose(f);
	PQfinish(c);
	return 0;
}
