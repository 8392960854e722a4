/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the policy: inih through a strict line reader.
 *
 * inih splits "key = value" lines and strips comments, but on its own it
 * forgives too much for a security policy: it joins indented lines to the
 * previous value, splits over-long lines in two (and so loses the line
 * numbers), ignores text after a section header, cuts long section names,
 * stops counting errors after the first and cannot tell us the line of a
 * key.  So inih reads through policy_reader(), which hands it one physical
 * line at a time, counts lines itself, checks each one, and replaces by an
 * empty line every line it rejects, every comment and every section header
 * (which it handles itself).  inih's part is to split "key = value" and
 * strip inline comments from the lines that passed; policy_handler() takes
 * each pair to the key table.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy-internal.h"

static void begin_section(struct parse_ctx *c, const char *name)
{
	struct policy *p = c->p;
	enum policy_rule_kind kind;
	struct policy_rule *v;
	struct errbuf why;
	const char *who;

	c->state = SECTION_SKIP;
	c->rule = NULL;
	snprintf(c->section, sizeof(c->section), "[%s]", name);

	if (streq(name, "global")) {
		if (p->global.line) {
			diag_error(c->diag, c->file, c->lineno,
				   "duplicate section [global] (first at line %u)", p->global.line);
			return;
		}
		p->global.line = c->lineno;
		c->state = SECTION_GLOBAL;
		return;
	}
	if (streq(name, "default")) {
		if (p->defaults.line) {
			diag_error(c->diag, c->file, c->lineno,
				   "duplicate section [default] (first at line %u)",
				   p->defaults.line);
			return;
		}
		p->defaults.line = c->lineno;
		c->rule = &p->defaults;
		c->state = SECTION_RULE;
		return;
	}

	if (strncmp(name, "group:", 6) == 0) {
		kind = POLICY_RULE_GROUP;
		who = name + 6;
	} else if (strncmp(name, "user:", 5) == 0) {
		kind = POLICY_RULE_USER;
		who = name + 5;
	} else {
		diag_error(
			c->diag, c->file, c->lineno,
			"unknown section [%s]; expected [global], [default], [group:NAME] or [user:NAME]",
			name);
		return;
	}
	if (policy_check_account_name(who, &why) < 0) {
		diag_error(c->diag, c->file, c->lineno, "[%s]: %s", name, why.msg);
		return;
	}

	if (p->n_rules >= POLICY_SECTIONS_MAX) {
		if (!c->too_many_sections)
			diag_error(c->diag, c->file, c->lineno,
				   "too many sections (the limit is %u)", POLICY_SECTIONS_MAX);
		c->too_many_sections = true;
		return;
	}
	v = util_grow(p->rules, &c->rules_cap, p->n_rules + 1, sizeof(*v), 16);
	if (!v) {
		diag_error(c->diag, c->file, c->lineno, "out of memory");
		return;
	}
	p->rules = v;
	c->rule = &p->rules[p->n_rules];
	policy_rule_init(c->rule, kind);
	c->rule->name = strdup(who);
	if (!c->rule->name) {
		diag_error(c->diag, c->file, c->lineno, "out of memory");
		c->rule = NULL;
		return;
	}
	c->rule->line = c->lineno;
	p->n_rules++;
	c->state = SECTION_RULE;
}

/*
 * Where inih's find_chars_or_comment() would stop: at one of chars, or at
 * an inline ';' comment (a ';' after white space).
 */
static const char *find_separator(const char *s, const char *end, const char *chars)
{
	bool was_space = false;

	for (; s < end; s++) {
		if (strchr(chars, *s) || (was_space && *s == ';'))
			return s;
		was_space = isspace((unsigned char)*s);
	}
	return end;
}

/*
 * Check a header line "[NAME]" and start its section.  inih never sees
 * header lines: it would read some names differently (it ends a header
 * at " ;" and cuts names at 49 bytes), and the reader keeps the section.
 */
static void read_header(struct parse_ctx *c, const char *s, const char *end)
{
	const char *close = memchr(s, ']', (size_t)(end - s));
	char name[POLICY_LINE_MAX + 1];
	const char *t;

	c->state = SECTION_SKIP;
	if (!close) {
		diag_error(c->diag, c->file, c->lineno, "section header without a closing ']'");
		return;
	}
	for (t = close + 1; t < end && isspace((unsigned char)*t); t++)
		;
	if (t < end && *t != ';' && *t != '#') {
		diag_error(c->diag, c->file, c->lineno, "unexpected text after the section header");
		return;
	}
	memcpy(name, s + 1, (size_t)(close - s - 1));
	name[close - s - 1] = '\0';
	begin_section(c, name);
}

/*
 * Classify and check one line.  Returns true when inih should see it,
 * false when it is blank, a comment, or rejected.
 */
static bool check_line(struct parse_ctx *c, const char *line, size_t n)
{
	const char *s = line, *end = line + n, *sep;
	bool indented;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\0') {
			diag_error(c->diag, c->file, c->lineno, "line contains a NUL byte");
			return false;
		}
		if (ch == '\r') {
			diag_error(c->diag, c->file, c->lineno,
				   "line contains a carriage return (old Mac line ends?)");
			return false;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			diag_error(c->diag, c->file, c->lineno,
				   "line contains control character 0x%02x", ch);
			return false;
		}
	}
	if (n > POLICY_LINE_MAX) {
		diag_error(c->diag, c->file, c->lineno,
			   "line is too long (%zu characters; the limit is %d)", n,
			   POLICY_LINE_MAX);
		return false;
	}

	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end || *s == ';' || *s == '#')
		return false;
	indented = s != line;
	if (indented) {
		/* inih would append it to the previous key's value. */
		diag_error(
			c->diag, c->file, c->lineno,
			"indented line: inih would join it to the previous value; remove the leading white space");
		return false;
	}
	if (*s == '[') {
		read_header(c, s, end);
		return false;
	}
	sep = find_separator(s, end, "=:");
	if (sep == end || *sep == ';') {
		diag_error(c->diag, c->file, c->lineno, "expected 'key = value'");
		return false;
	}
	if (sep == s) {
		diag_error(c->diag, c->file, c->lineno, "missing key before '%c'", *sep);
		return false;
	}
	return true;
}

static char *policy_reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *line, *nl;
	size_t n;

	if (c->pos >= c->len || num < 2)
		return NULL;
	line = c->buf + c->pos;
	nl = memchr(line, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - line) : c->len - c->pos;
	c->pos += n + (nl ? 1 : 0);
	c->lineno++;

	if (c->lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3; /* UTF-8 byte order mark */
		n -= 3;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--; /* CRLF line end */

	str[0] = '\0';
	if (check_line(c, line, n)) {
		if (n > (size_t)num - 1) {
			/* inih was built with a shorter line than its header says. */
			diag_error(c->diag, c->file, c->lineno,
				   "line is too long (%zu characters; the limit is %d)", n,
				   num - 1);
			return str;
		}
		memcpy(str, line, n);
		str[n] = '\0';
	}
	return str;
}

/* ---- the handler: one key = value ------------------------------------- */

static void unknown_key(struct parse_ctx *c, const char *name)
{
	const struct key_def *k = NULL;

	for (size_t i = 0; i < policy_n_keys; i++)
		if (strcasecmp(name, policy_keys[i].name) == 0)
			k = &policy_keys[i];
	if (k && !streq(k->name, name))
		diag_error(c->diag, c->file, c->lineno,
			   "unknown key '%s' in %s (keys are lower case: did you mean '%s'?)", name,
			   c->section, k->name);
	else
		diag_error(c->diag, c->file, c->lineno, "unknown key '%s' in %s", name, c->section);
}

/* Where a key may stand, as a message says it. */
static const char *where_text(unsigned int where)
{
	switch (where) {
	case IN_GLOBAL:
		return "[global]";
	case IN_GROUP:
		return "a [group:NAME] section";
	case IN_USER:
		return "a [user:NAME] section";
	case IN_RULES:
		return "[default], [group:NAME] or [user:NAME]";
	case IN_GLOBAL | IN_GROUP:
		return "[global] or a [group:NAME] section";
	}
	return "another section";
}

static unsigned int section_where(const struct parse_ctx *c)
{
	if (c->state == SECTION_GLOBAL)
		return IN_GLOBAL;
	switch (c->rule->kind) {
	case POLICY_RULE_DEFAULT:
		return IN_DEFAULT;
	case POLICY_RULE_GROUP:
		return IN_GROUP;
	case POLICY_RULE_USER:
		return IN_USER;
	}
	return 0;
}

static int policy_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	const struct key_def *k;
	unsigned int *key_line, where;
	uint32_t *bad_keys;
	struct errbuf why;
	void *base;

	(void)section; /* always "": the reader keeps the headers from inih */

	/* Nonzero tells inih the line was fine: errors are ours to count. */
	switch (c->state) {
	case SECTION_NONE:
		diag_error(c->diag, c->file, c->lineno, "key '%s' before any section header", name);
		return 1;
	case SECTION_SKIP:
		return 1;
	case SECTION_GLOBAL:
	case SECTION_RULE:
		break;
	}

	k = policy_key_find(name);
	if (!k) {
		unknown_key(c, name);
		return 1;
	}
	where = section_where(c);
	if (!(k->where & where)) {
		diag_error(c->diag, c->file, c->lineno, "'%s' belongs in %s, not %s%s%s%s", name,
			   where_text(k->where), c->section, k->why ? " (" : "",
			   k->why ? k->why : "", k->why ? ")" : "");
		return 1;
	}

	if (c->state == SECTION_GLOBAL) {
		base = &c->p->global;
		key_line = c->p->global.key_line;
		bad_keys = &c->p->global.bad_keys;
	} else {
		base = c->rule;
		key_line = c->rule->key_line;
		bad_keys = &c->rule->bad_keys;
	}
	if (key_line[k->key] && !policy_key_repeats(k)) {
		diag_error(c->diag, c->file, c->lineno,
			   "duplicate key '%s' in %s (first at line %u)", name, c->section,
			   key_line[k->key]);
		return 1;
	}
	if (!key_line[k->key])
		key_line[k->key] = c->lineno;

	if (*value == '\0') {
		diag_error(c->diag, c->file, c->lineno, "'%s' has no value", name);
		*bad_keys |= 1u << k->key;
		return 1;
	}
	if (policy_key_parse(k, value, where, base, &why) < 0) {
		diag_error(c->diag, c->file, c->lineno, "%s = %s: %s", name, value, why.msg);
		*bad_keys |= 1u << k->key;
	}
	return 1;
}

void policy_read(struct parse_ctx *c)
{
	int r = ini_parse_stream(policy_reader, c, policy_handler, c);

	if (r == -2)
		diag_error(c->diag, c->file, 0, "out of memory");
	else if (r != 0)
		/* Every line inih dislikes should have been caught above. */
		diag_error(c->diag, c->file, (unsigned int)(r > 0 ? r : 0),
			   "cannot parse this line");
}
