/*
 * icp_attrs: what a deal's record says about the customer, as the
 * attribute = value pairs icp-profile counts and lead-score scores (DESIGN
 * §10). Read in place from the record's text (lib/jspan.h): no tree.
 *
 * Attributes describe the customer only: the account (industry, size band,
 * revenue band, age band, country), its people (the buying roles,
 * seniorities and departments present; the champion's and the decision
 * maker's tenure band) and its signals (types present, score band). Never our
 * side of the deal (owner, product, source) and never the amount: a lost
 * deal's amount is often recorded as 0, so it would "predict" the outcome it
 * was written after. The amount is read for reporting only.
 */
#ifndef DE_ICP_ATTRS_H
#define DE_ICP_ATTRS_H

#include <stddef.h>
#include "jspan.h"

#define ICP_ATTR_MAX 64      /* pairs kept per deal; more are dropped */
#define ICP_VALUE_MAX 96     /* bytes of a value with its NUL; longer values are cut */

/* The attribute names, in the order they are read. */
enum {
	ICP_INDUSTRY, ICP_SIZE, ICP_REVENUE, ICP_AGE, ICP_COUNTRY, ICP_ROLE,
	ICP_SENIORITY, ICP_DEPARTMENT, ICP_CHAMPION_TENURE, ICP_DM_TENURE,
	ICP_SIGNAL_TYPE, ICP_SIGNAL_SCORE, ICP_NATTRS
};
/* "account.firmographics.industry" ... for an enum value above. */
const char *icp_attr_name(int attr);
/* The enum value of a name, or -1. */
int icp_attr_parse(const char *name);

struct icp_pair {
	int attr;
	char value[ICP_VALUE_MAX];
};

struct icp_deal {
	int outcome;             /* 1 closed_won, 0 closed_lost, -1 neither */
	char close_date[11];     /* "" when it has none */
	double amount;
	int has_amount;
	size_t n;
	struct icp_pair p[ICP_ATTR_MAX];
};

/*
 * Reads the deal record rec (an object span of the validated text s) into
 * *d, walking each object once; ix (may be NULL) is the text's index
 * (jspan_parse_index), to step over what is not read. year is the year ages
 * are counted to (the account's age band). Never fails: what the record
 * lacks is absent from d.
 */
void icp_deal_read(const char *s, const jspan_index_t *ix, jspan_t rec, int year,
    struct icp_deal *d);

#endif
