#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "csvrd.h"

/*
 * Reads all of data and describes it: one line per record "L<line>:[f1][f2]"
 * or "BAD<line>" or "ERR"; rejects (when not NULL) gets the rejected bytes.
 */
static char *
readall(const char *data, size_t len, const csvrd_opts_t *o, char **rejects, char *delim)
{
	FILE *in = fmemopen((void *)data, len, "rb");
	FILE *rej = tmpfile();
	csvrd_t *r;
	const csvrd_record_t *rec;
	buf_t b;
	int rc;

	assert_non_null(in);
	assert_non_null(rej);
	r = csvrd_new(in, "t.csv", o, rej);
	assert_non_null(r);
	buf_init(&b, 1 << 20);
	while ((rc = csvrd_next(r, &rec)) != CSVRD_EOF) {
		if (rc == CSVRD_BAD) {
			buf_addf(&b, "BAD%lu\n", csvrd_bad_line(r));
			continue;
		}
		if (rc < 0) {
			buf_addf(&b, "ERR %s\n", csvrd_error(r));
			break;
		}
		buf_addf(&b, "L%lu:", rec->line);
		for (size_t i = 0; i < rec->n; i++)
			buf_addf(&b, "[%s]", rec->fields[i]);
		buf_adds(&b, "\n");
	}
	if (delim)
		*delim = csvrd_delim(r);
	csvrd_free(r);
	fclose(in);
	if (rejects) {
		long n = ftell(rej);
		*rejects = calloc(1, (size_t)n + 1);
		rewind(rej);
		assert_int_equal(fread(*rejects, 1, (size_t)n, rej), (size_t)n);
	}
	fclose(rej);
	return buf_detach(&b, NULL);
}

#define READ(s) readall((s), sizeof(s) - 1, NULL, NULL, NULL)

static void
bom_crlf_and_quotes(void **state)
{
	static const char in[] = "\xef\xbb\xbf" "id,name,note\r\n"
	    "1,\"Globex, Inc.\",\"said \"\"yes\"\"\"\r\n"
	    "2,Initech,\"two\r\nlines\"\r\n"
	    "\r\n"
	    "3, Hooli ,\r\n";
	char *out = READ(in);

	(void)state;
	assert_string_equal(out,
	    "L1:[id][name][note]\n"
	    "L2:[1][Globex, Inc.][said \"yes\"]\n"
	    "L3:[2][Initech][two\r\nlines]\n"
	    "L6:[3][Hooli][]\n");
	free(out);
}

static void
semicolon_detected_from_header(void **state)
{
	static const char in[] = "Record ID;Deal Name;Amount\n1;\"A;B\";1.234,56\n";
	char d, *out = readall(in, sizeof in - 1, NULL, NULL, &d);

	(void)state;
	assert_int_equal(d, ';');
	assert_string_equal(out, "L1:[Record ID][Deal Name][Amount]\nL2:[1][A;B][1.234,56]\n");
	free(out);
}

static void
excel_sep_line_and_tabs(void **state)
{
	static const char in1[] = "sep=|\nA|B\n1|2\n";
	static const char in2[] = "a\tb\tc\n1\t2,5\t3\n";
	char d, *out = readall(in1, sizeof in1 - 1, NULL, NULL, &d);

	(void)state;
	assert_int_equal(d, '|');
	assert_string_equal(out, "L2:[A][B]\nL3:[1][2]\n");
	free(out);
	out = readall(in2, sizeof in2 - 1, NULL, NULL, &d);
	assert_int_equal(d, '\t');
	assert_string_equal(out, "L1:[a][b][c]\nL2:[1][2,5][3]\n");
	free(out);
}

static void
lone_cr_line_ends(void **state)
{
	static const char in[] = "a,b\r1,2\r3,4";
	char *out = READ(in);

	(void)state;
	assert_string_equal(out, "L1:[a][b]\nL2:[1][2]\nL3:[3][4]\n");
	free(out);
}

static void
utf16_is_converted(void **state)
{
	/* "a,b\n1,\xc3\xa9\n" in UTF-16LE with a BOM, and in UTF-16BE without one */
	static const char le[] = "\xff\xfe" "a\0,\0b\0\n\0" "1\0,\0\xe9\0\n\0";
	static const char be[] = "\0a\0,\0b\0\n\0" "1\0,\0\xe9\0\n";
	char *out = readall(le, sizeof le - 1, NULL, NULL, NULL);

	(void)state;
	assert_string_equal(out, "L1:[a][b]\nL2:[1][\xc3\xa9]\n");
	free(out);
	out = readall(be, sizeof be - 1, NULL, NULL, NULL);
	assert_string_equal(out, "L1:[a][b]\nL2:[1][\xc3\xa9]\n");
	free(out);
}

static void
broken_utf16_and_utf32_are_refused(void **state)
{
	static const char odd[] = "\xff\xfe" "a\0,\0b\0\n\0" "1";
	static const char u32[] = "\xff\xfe\0\0" "a\0\0\0";
	static const char lone[] = "\xff\xfe" "a\0\n\0" "\x00\xdc" "\n\0";
	char *out = readall(odd, sizeof odd - 1, NULL, NULL, NULL);

	(void)state;
	assert_non_null(strstr(out, "L1:[a][b]\nERR "));
	assert_non_null(strstr(out, "middle of a character"));
	free(out);
	out = readall(u32, sizeof u32 - 1, NULL, NULL, NULL);
	assert_non_null(strstr(out, "ERR UTF-32"));
	assert_non_null(strstr(out, "iconv -f UTF-32 -t UTF-8"));
	free(out);
	out = readall("PK\x03\x04\x14\0\6\0", 8, NULL, NULL, NULL);
	assert_non_null(strstr(out, "ERR an Excel workbook (XLSX/XLS), not CSV: export it as CSV"));
	free(out);
	out = readall(lone, sizeof lone - 1, NULL, NULL, NULL);
	assert_non_null(strstr(out, "ERR invalid utf-16le input; convert the file with iconv"));
	free(out);
}

static void
unterminated_quote_rejects_one_line(void **state)
{
	static const char in[] = "a,b\n1,\"open\n2,x\n3,y\n";
	char *rej, *out = readall(in, sizeof in - 1, NULL, &rej, NULL);

	(void)state;
	assert_string_equal(out, "L1:[a][b]\nBAD2\nL3:[2][x]\nL4:[3][y]\n");
	assert_string_equal(rej, "1,\"open\n");
	free(out);
	free(rej);
}

static void
every_unterminated_quote_costs_one_line(void **state)
{
	static const char in[] = "a,b\n1,\"open\n2,\"again\n3,y\n";
	char *rej, *out = readall(in, sizeof in - 1, NULL, &rej, NULL);

	(void)state;
	assert_string_equal(out, "L1:[a][b]\nBAD2\nBAD3\nL4:[3][y]\n");
	assert_string_equal(rej, "1,\"open\n2,\"again\n");
	free(out);
	free(rej);
}

static void
reading_again_is_bounded(void **state)
{
	/* every line opens a quote: reading again stops at max_record bytes */
	csvrd_opts_t o = { .max_record = 4096 };
	buf_t in;
	char *rej, *out;

	(void)state;
	buf_init(&in, 1 << 20);
	buf_adds(&in, "a,b\n");
	for (int i = 0; i < 100; i++)
		buf_addf(&in, "%d,\"x\n", i + 10);
	out = readall(in.ptr, in.len, &o, &rej, NULL);
	assert_string_equal(out, "L1:[a][b]\nBAD2\nBAD3\nBAD4\nBAD5\nBAD6\nBAD7\nBAD8\n");
	/* nothing lost: every line after the header is in the rejects */
	assert_int_equal(strlen(rej), in.len - 4);
	free(out);
	free(rej);
	buf_free(&in);
}

static void
caps_on_records_and_fields(void **state)
{
	csvrd_opts_t o = { .max_record = 32, .max_field = 8 };
	static const char in[] = "a,b\n1,123456789\n2,ok\n3,\"0123456789012345678901234567890123456789\"\n4,fine\n";
	char *rej, *out = readall(in, sizeof in - 1, &o, &rej, NULL);

	(void)state;
	assert_string_equal(out, "L1:[a][b]\nBAD2\nL3:[2][ok]\nBAD4\nL5:[4][fine]\n");
	assert_string_equal(rej, "1,123456789\n3,\"0123456789012345678901234567890123456789\"\n");
	free(out);
	free(rej);
}

static void
empty_and_blank_inputs(void **state)
{
	char *out = readall("", 0, NULL, NULL, NULL);

	(void)state;
	assert_string_equal(out, "");
	free(out);
	out = READ("\n\r\n   \n");
	assert_string_equal(out, "");
	free(out);
	out = READ("\xef\xbb\xbf");
	assert_string_equal(out, "");
	free(out);
	out = READ("x");
	assert_string_equal(out, "L1:[x]\n");
	free(out);
}

static void
raw_bytes_and_nul_fields(void **state)
{
	static const char in[] = "a,b\n1,\"x\r\ny\"\r\n";
	FILE *f = fmemopen((void *)in, sizeof in - 1, "rb");
	csvrd_t *r = csvrd_new(f, "t", NULL, NULL);
	const csvrd_record_t *rec;

	(void)state;
	assert_int_equal(csvrd_next(r, &rec), CSVRD_OK);
	assert_int_equal(csvrd_next(r, &rec), CSVRD_OK);
	assert_int_equal(rec->line, 2);
	assert_int_equal(rec->rawlen, strlen("1,\"x\r\ny\"\r\n"));
	assert_memory_equal(rec->raw, "1,\"x\r\ny\"\r\n", rec->rawlen);
	assert_int_equal(rec->lens[1], 4);
	assert_string_equal(csvrd_encoding(r), "utf-8");
	assert_string_equal(csvrd_name(r), "t");
	assert_int_equal(csvrd_next(r, &rec), CSVRD_EOF);
	assert_int_equal(csvrd_next(r, &rec), CSVRD_EOF);
	assert_int_equal(csvrd_bad_count(r), 0);
	csvrd_free(r);
	fclose(f);
}

static void
a_long_file_streams(void **state)
{
	buf_t in;
	FILE *f;
	csvrd_t *r;
	const csvrd_record_t *rec;
	unsigned long n = 0;

	(void)state;
	buf_init(&in, 1 << 24);
	buf_adds(&in, "id,name\n");
	for (int i = 0; i < 100000; i++)
		buf_addf(&in, "%d,\"name %d, with a comma\"\n", i, i);
	f = fmemopen(in.ptr, in.len, "rb");
	r = csvrd_new(f, "big", NULL, NULL);
	while (csvrd_next(r, &rec) == CSVRD_OK)
		n++;
	assert_int_equal(n, 100001);
	assert_int_equal(rec == NULL, 1);
	csvrd_free(r);
	fclose(f);
	buf_free(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bom_crlf_and_quotes),
		cmocka_unit_test(semicolon_detected_from_header),
		cmocka_unit_test(excel_sep_line_and_tabs),
		cmocka_unit_test(lone_cr_line_ends),
		cmocka_unit_test(utf16_is_converted),
		cmocka_unit_test(broken_utf16_and_utf32_are_refused),
		cmocka_unit_test(unterminated_quote_rejects_one_line),
		cmocka_unit_test(every_unterminated_quote_costs_one_line),
		cmocka_unit_test(reading_again_is_bounded),
		cmocka_unit_test(caps_on_records_and_fields),
		cmocka_unit_test(empty_and_blank_inputs),
		cmocka_unit_test(raw_bytes_and_nul_fields),
		cmocka_unit_test(a_long_file_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
