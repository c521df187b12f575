/*
 * crm_value: the values of a CRM export's cells: booleans, amounts with
 * their currency, dates, and header names as snake_case keys.
 *
 * This header also holds the return codes of every lib/crm_*.h. Nothing
 * here prints or exits.
 */
#ifndef DE_CRM_VALUE_H
#define DE_CRM_VALUE_H

#include "buf.h"
#include "date.h"

enum {
	CRM_OK = 0,
	CRM_SKIP = 1,     /* not data: a Salesforce footer or subtotal row, a blank row */
	CRM_BAD = 2,      /* a bad row or record; err says why; the rest may go on */
	CRM_ENOMEM = -1,
	CRM_EIO = -2,     /* an input could not be read, the rejects not written, or a callee stopped */
	CRM_EUSAGE = -3   /* what the user gave on the command line is wrong; err says why */
};

/* 1 for true/yes/y/t/1/x/checked, 0 for false/no/n/f/0, -1 for anything else
 * (empty included). Case-insensitive, trimmed. */
int crm_parse_bool(const char *s);

/*
 * An amount: "25000", "$1,234,567", "£1,009", "€ 1.234,56", "1 234,56 EUR",
 * "(1,200.50)", "USD 99". Writes the JSON number text into num (reset first;
 * "1234567", "1009", "1234.56", "-1200.5") and, when the text names a
 * currency, its ISO code into currency ("" otherwise; $ is USD, £ GBP, € EUR,
 * ¥ JPY, ₹ INR). Returns 0; 1 when s is empty; CRM_BAD when it is not an
 * amount; CRM_ENOMEM.
 */
int crm_parse_amount(const char *s, buf_t *num, char currency[4]);

/* A CRM date (date_parse_crm) or epoch seconds/milliseconds (10 or 13 digits). */
int crm_parse_date(const char *s, enum date_order order, date_t *out);

/* "Probability (%)" -> "probability", "Champion Name" -> "champion_name",
 * "createdAt" -> "created_at". Returns BUF_OK or a BUF_E* code. */
int crm_snake_case(const char *s, buf_t *out);

#endif
