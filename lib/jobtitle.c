#include "jobtitle.h"

#include <stdio.h>
#include <stdlib.h>

#include "roles_title.h"

static const char *const levels[] = { "c_level", "vp", "director", "manager", "ic" };
enum { C_LEVEL, VP, DIRECTOR, MANAGER, IC };

static const struct roles_title_rule level_rules[] = {
	{ IC, "intern|interns|internship|student|trainee|apprentice|werkstudent*|praktikant*|"
	      "stagiaire|becario|becaria", "Marketing Intern" },
	{ VP, "assistant vp", "Assistant Vice President" },
	{ C_LEVEL, "ceo|cfo|coo|cto|cio|ciso|cmo|cro|chro|cpo|cso|cdo|cco|clo|owner|owners|founder|"
	      "founders|president|chairman|chairwoman|chairperson|chief|pdg|inhaber*|"
	      "geschaftsfuhr*|geschaeftsfuehr*|managing director|general manager|"
	      "executive director", "Chief Financial Officer" },
	{ VP, "vp|partner|partners", "SVP Sales" },
	{ DIRECTOR, "director|directors|head|directeur|directrice|direktor*|directora|diretor|"
	      "diretora|direttore|direttrice|leiter*|*leiter|*leiterin|jefe|jefa", "Head of Procurement" },
	{ MANAGER, "manager|managers|lead|leader|supervisor|gerente|teamleider|responsable",
	      "Finance Manager" },
	{ IC, "senior|junior|engineer|engineers|developer|developers|analyst|analysts|specialist|"
	      "associate|executive|representative|rep|consultant|coordinator|designer|scientist|"
	      "architect|accountant|administrator|admin|officer|agent|recruiter|technician|clerk|"
	      "assistant|staff|advisor|adviser|programmer", "Account Executive" },
	{ -1, NULL, NULL }
};

static const char *const depts[] = { "finance", "engineering_technical",
	"information_technology", "sales", "marketing", "human_resources", "legal", "operations",
	"support", "product_management", "c_suite" };
enum { FIN, ENG, IT, SALES, MKT, HR, LEGAL, OPS, SUPPORT, PRODUCT, CSUITE };

static const struct roles_title_rule dept_rules[] = {
	/* the chief officers of a function first: "Chief Financial Officer" is finance */
	{ FIN, "cfo|@finance|controller|controlling|comptroller|treasurer|accountant|accounting|"
	      "audit|auditor|payroll|tax", "Chief Financial Officer" },
	{ LEGAL, "clo|legal|counsel|lawyer|attorney|compliance|paralegal|jurist*", "General Counsel" },
	{ HR, "chro|hr|human resources|people|talent|recruiter|recruiting|recruitment",
	      "HR Business Partner" },
	{ MKT, "cmo|marketing|brand|growth|demand generation|communications|pr|content|seo|mktg",
	      "Director of Marketing" },
	{ SALES, "cro|sales|account executive|account manager|business development|bdr|sdr|"
	      "revenue|commercial|vertrieb*|ventes|ventas|vendite", "VP Sales" },
	{ PRODUCT, "cpo|product|products", "Product Manager" },
	{ IT, "cio|ciso|it|ict|information technology|security|cyber*|network|networks|systems|"
	      "data|infrastructure|sysadmin|informati*", "Director of IT" },
	{ ENG, "cto|engineer|engineers|engineering|developer|developers|software|devops|sre|"
	      "architect|scientist|rd|entwicklung*|programmer|technical|technology", "VP of Engineering" },
	{ OPS, "coo|operations|procurement|purchasing|supply chain|logistics|facilities|buyer|"
	      "einkauf*|compras|achats", "Head of Procurement" },
	{ SUPPORT, "support|customer success|customer service|helpdesk", "Support Engineer" },
	{ CSUITE, "ceo|owner|owners|founder|founders|president|chairman|chairwoman|chief executive|"
	      "managing director|general manager|pdg|geschaftsfuhr*|geschaeftsfuehr*",
	      "Founder & CEO" },
	{ -1, NULL, NULL }
};

struct jobtitle {
	roles_titleset_t *levels, *depts;
};

jobtitle_t *
jobtitle_new(char *err, size_t errlen)
{
	jobtitle_t *j = calloc(1, sizeof *j);

	if (j == NULL || (j->levels = roles_titleset_new(level_rules, err, errlen)) == NULL ||
	    (j->depts = roles_titleset_new(dept_rules, err, errlen)) == NULL) {
		if (j == NULL)
			snprintf(err, errlen, "out of memory");
		jobtitle_free(j);
		return NULL;
	}
	return j;
}

void
jobtitle_free(jobtitle_t *j)
{
	if (j == NULL)
		return;
	roles_titleset_free(j->levels);
	roles_titleset_free(j->depts);
	free(j);
}

const char *
jobtitle_seniority(const jobtitle_t *j, const char *title)
{
	int i = roles_titleset_match(j->levels, title);

	return i >= 0 ? levels[i] : NULL;
}

const char *
jobtitle_department(const jobtitle_t *j, const char *title)
{
	int i = roles_titleset_match(j->depts, title);

	return i >= 0 ? depts[i] : NULL;
}
