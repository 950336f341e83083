/*
 * rulescheck.h — private: every static check of a scheme that
 * `kaohe rules check` runs, without scoring anything.
 *
 * Errors: scheme.yaml problems (kh_scheme_load, with file:line:key), meaning
 * problems (kh_scheme_validate: points add up, grades ordered and covering
 * 0…total, scripts exist, limits), scripts and lib/<name>.lua that do not compile
 * (kh_rules_new), fact keys no loaded plugin provides, param("x") of a param
 * scheme.yaml does not declare, fact/has/fact_info("k") of a key the
 * indicator does not declare, malformed test cases in tests/<file>.yaml.
 * Warnings: param/fact names that are not literal strings (cannot be
 * checked), declared facts the script never reads, declared params no
 * script reads, no test cases.
 *
 * The source scan is token-based (luascan.h): calls of the global names
 * param, fact, has and fact_info whose first argument is a literal string.
 * Facts read by lib/<name>.lua count as read by every indicator.
 */
#ifndef KH_RULESCHECK_H
#define KH_RULESCHECK_H

#include "kaohe/kaohe.h"
#include "kaohe/scheme.h"

/* Check the scheme in dir (a directory with scheme.yaml, or the YAML file).
 * engine (borrowed) may be NULL: fact providers are then not checked (a
 * warning says so). Every problem found goes to diags (errors and
 * warnings). Returns KH_OK, or KH_ENOMEM with err filled. */
int kh_rulescheck_run(const char *dir, kh_engine *engine, kh_diag_list *diags,
                      kh_error *err);

/* The provider check alone (also run when a scheme is loaded for scoring):
 * each fact key an indicator declares that no plugin loaded in engine
 * provides is an error in diags at the indicator's line of scheme.yaml
 * ("indicators[2] FZ-03: fact key 'x.y' is provided by no loaded plugin").
 * Returns KH_OK or KH_ENOMEM. */
int kh_rulescheck_providers(const kh_scheme *scheme, const kh_engine *engine,
                            kh_diag_list *diags);

#endif
