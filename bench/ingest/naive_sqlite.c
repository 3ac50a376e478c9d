/*
 * naive_sqlite.c - the peer of the ingest benchmark: loads the first
 * LIMIT lines of a snapshot JSON-lines file into plain SQLite the obvious
 * way, one INSERT statement per row in autocommit mode (default journal),
 * and prints records/s.
 *
 * usage: pb-bench-naive FILE.jsonl DB LIMIT
 */
#include "../../src/util/util.h"
#include <jansson.h>
#include <sqlite3.h>

int main(int argc, char **argv)
{
	long limit;
	if (argc != 4 || parse_int(argv[3], 1, 100000000, &limit)) {
		fprintf(stderr, "usage: pb-bench-naive FILE.jsonl DB LIMIT\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	sqlite3 *db;
	if (!f || sqlite3_open(argv[2], &db) != SQLITE_OK) {
		fprintf(stderr, "pb-bench-naive: cannot open input or database\n");
		return 1;
	}
	sqlite3_exec(db,
		     "CREATE TABLE IF NOT EXISTS papers(id TEXT PRIMARY KEY, title TEXT, abstract TEXT, authors TEXT,"
		     " categories TEXT, comments TEXT, journal_ref TEXT, doi TEXT, license TEXT, update_date TEXT)",
		     NULL, NULL, NULL);
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	double t0 = mono_seconds();
	struct buf sql = BUF_INIT;
	while (n < limit && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, 0, NULL);
		if (!o)
			continue;
		sqlite3_stmt *st;
		sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO papers VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
		static const char *keys[] = { "id", "title", "abstract", "authors", "categories",
					      "comments", "journal-ref", "doi", "license", "update_date" };
		for (int i = 0; i < 10; i++) {
			const char *v = json_string_value(json_object_get(o, keys[i]));
			if (v)
				sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
		}
		sqlite3_step(st);
		sqlite3_finalize(st);
		json_decref(o);
		n++;
	}
	double el = mono_seconds() - t0;
	printf("naive_records=%ld naive_seconds=%.3f naive_rps=%.0f\n", n, el, (double)n / el);
	buf_release(&sql);
	free(line);
	fclose(f);
	sqlite3_close(db);
	return 0;
}
