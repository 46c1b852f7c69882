// xapian_wrap.cc - the C API of xapian_wrap.h over Xapian's C++ API.
//
// The only C++ in dundian.  Every entry point catches every exception and
// turns it into a dd_status_t plus a message; nothing C++ escapes.
#include "xapian_wrap.h"

#include <xapian.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

struct dd_db {
	Xapian::Database *read = nullptr;     // always set; == write when writable
	Xapian::WritableDatabase *write = nullptr;
	bool in_transaction = false;
};

struct dd_doc {
	Xapian::Document doc;
};

struct dd_query {
	Xapian::Query q;
};

struct facet_counts {
	std::map<std::string, size_t> counts;
};

// Counts the values of one slot over all matches; a value holding several
// entries separated by '\n' (a note's topics) counts each entry once.
class MultiValueSpy : public Xapian::MatchSpy {
	Xapian::valueno slot;

      public:
	facet_counts *out;
	MultiValueSpy(Xapian::valueno s, facet_counts *o) : slot(s), out(o) {}
	void operator()(const Xapian::Document &doc, double) override
	{
		std::string v = doc.get_value(slot);
		size_t start = 0;
		while (start < v.size()) {
			size_t end = v.find('\n', start);
			if (end == std::string::npos)
				end = v.size();
			if (end > start)
				out->counts[v.substr(start, end - start)]++;
			start = end + 1;
		}
	}
};

struct dd_results {
	size_t total = 0;
	std::vector<double> scores;
	std::vector<std::string> data;   // filled on demand: documents are read lazily
	std::vector<char> have_data;
	std::vector<std::string> value;  // the last value asked for, per hit
	std::vector<Xapian::docid> docids;
	std::vector<std::string> ids; // filled on demand by dd_results_id
	Xapian::Database db;
	std::vector<facet_counts> facets;
};

static dd_status_t fail(dd_error_t *err, dd_status_t st, const char *what, const std::string &msg)
{
	return dd_error_set(err, st, "%s: %s", what, msg.c_str());
}

#define CATCH_ALL(err, context)                                                                                 \
	catch (const Xapian::DatabaseOpeningError &e)                                                        \
	{                                                                                                    \
		return fail(err, DD_ERR_NOT_FOUND, context, e.get_msg());                                       \
	}                                                                                                    \
	catch (const Xapian::DatabaseLockError &e)                                                           \
	{                                                                                                    \
		return fail(err, DD_ERR_INDEX, context, "index is locked by another dundian-index (" + e.get_msg() + ")"); \
	}                                                                                                    \
	catch (const Xapian::Error &e)                                                                       \
	{                                                                                                    \
		return fail(err, DD_ERR_INDEX, context, e.get_type() + std::string(": ") + e.get_msg());         \
	}                                                                                                    \
	catch (const std::bad_alloc &)                                                                       \
	{                                                                                                    \
		return fail(err, DD_ERR_NOMEM, context, "out of memory");                                        \
	}                                                                                                    \
	catch (const std::exception &e)                                                                      \
	{                                                                                                    \
		return fail(err, DD_ERR_INDEX, context, e.what());                                               \
	}                                                                                                    \
	catch (...)                                                                                          \
	{                                                                                                    \
		return fail(err, DD_ERR_INDEX, context, "unknown error");                                        \
	}

static char *dup_string(const std::string &s)
{
	char *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (p) {
		std::memcpy(p, s.data(), s.size());
		p[s.size()] = '\0';
	}
	return p;
}

extern "C" {

dd_status_t dd_db_open_write(const char *path, dd_db_t **out, dd_error_t *err)
{
	*out = nullptr;
	try {
		std::unique_ptr<dd_db> db(new dd_db);
		db->write = new Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
		db->read = db->write;
		*out = db.release();
		return DD_OK;
	}
	CATCH_ALL(err, path)
}

dd_status_t dd_db_open_read(const char *path, dd_db_t **out, dd_error_t *err)
{
	*out = nullptr;
	try {
		std::unique_ptr<dd_db> db(new dd_db);
		db->read = new Xapian::Database(path);
		*out = db.release();
		return DD_OK;
	}
	CATCH_ALL(err, path)
}

void dd_db_close(dd_db_t *db)
{
	if (!db)
		return;
	try {
		if (db->write) {
			if (db->in_transaction)
				db->write->cancel_transaction();
			db->write->close();
		}
	} catch (...) {
	}
	delete db->read;
	delete db;
}

size_t dd_db_doc_count(const dd_db_t *db)
{
	try {
		return db->read->get_doccount();
	} catch (...) {
		return 0;
	}
}

dd_status_t dd_db_begin(dd_db_t *db, dd_error_t *err)
{
	try {
		db->write->begin_transaction(true);
		db->in_transaction = true;
		return DD_OK;
	}
	CATCH_ALL(err, "begin transaction")
}

dd_status_t dd_db_commit(dd_db_t *db, dd_error_t *err)
{
	try {
		db->write->commit_transaction();
		db->in_transaction = false;
		return DD_OK;
	}
	CATCH_ALL(err, "commit")
}

void dd_db_cancel(dd_db_t *db)
{
	try {
		if (db->in_transaction)
			db->write->cancel_transaction();
	} catch (...) {
	}
	db->in_transaction = false;
}

dd_status_t dd_db_set_metadata(dd_db_t *db, const char *key, const char *value, dd_error_t *err)
{
	try {
		db->write->set_metadata(key, value);
		return DD_OK;
	}
	CATCH_ALL(err, "set metadata")
}

char *dd_db_get_metadata(dd_db_t *db, const char *key, dd_error_t *err)
{
	try {
		return dup_string(db->read->get_metadata(key));
	} catch (const Xapian::Error &e) {
		fail(err, DD_ERR_INDEX, "get metadata", e.get_msg());
	} catch (...) {
		fail(err, DD_ERR_NOMEM, "get metadata", "out of memory");
	}
	return nullptr;
}

dd_status_t dd_db_foreach_term(dd_db_t *db, const char *prefix, int (*fn)(const char *, void *), void *ctx,
			       dd_error_t *err)
{
	try {
		size_t plen = std::strlen(prefix);
		for (auto t = db->read->allterms_begin(prefix); t != db->read->allterms_end(prefix); ++t) {
			std::string term = *t;
			if (fn(term.c_str() + plen, ctx))
				break;
		}
		return DD_OK;
	}
	CATCH_ALL(err, "list terms")
}

size_t dd_db_term_freq(dd_db_t *db, const char *term)
{
	try {
		return db->read->get_termfreq(term);
	} catch (...) {
		return 0;
	}
}

static Xapian::docid find_doc(dd_db_t *db, const char *idterm)
{
	Xapian::PostingIterator p = db->read->postlist_begin(idterm);
	return p == db->read->postlist_end(idterm) ? 0 : *p;
}

dd_status_t dd_db_get_data(dd_db_t *db, const char *idterm, char **data, size_t *len, dd_error_t *err)
{
	*data = nullptr;
	try {
		Xapian::docid id = find_doc(db, idterm);
		if (!id)
			return dd_error_set(err, DD_ERR_NOT_FOUND, "no note %s in the index", idterm + 1);
		std::string d = db->read->get_document(id).get_data();
		if (len)
			*len = d.size();
		*data = dup_string(d);
		return *data ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	CATCH_ALL(err, "read document")
}

dd_status_t dd_db_get_value(dd_db_t *db, const char *idterm, unsigned slot, char **value, dd_error_t *err)
{
	*value = nullptr;
	try {
		Xapian::docid id = find_doc(db, idterm);
		if (!id)
			return dd_error_set(err, DD_ERR_NOT_FOUND, "no note %s in the index", idterm + 1);
		*value = dup_string(db->read->get_document(id).get_value(slot));
		return *value ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	CATCH_ALL(err, "read value")
}

dd_doc_t *dd_doc_new(void)
{
	try {
		return new dd_doc;
	} catch (...) {
		return nullptr;
	}
}

void dd_doc_free(dd_doc_t *doc) { delete doc; }

void dd_doc_add_posting(dd_doc_t *doc, const char *term, unsigned pos, unsigned wdf_inc)
{
	try {
		doc->doc.add_posting(term, pos, wdf_inc);
	} catch (...) {
	}
}

void dd_doc_add_term(dd_doc_t *doc, const char *term, unsigned wdf_inc)
{
	try {
		doc->doc.add_term(term, wdf_inc);
	} catch (...) {
	}
}

void dd_doc_add_boolean_term(dd_doc_t *doc, const char *term)
{
	try {
		doc->doc.add_boolean_term(term);
	} catch (...) {
	}
}

void dd_doc_set_value(dd_doc_t *doc, unsigned slot, const char *value, size_t len)
{
	try {
		doc->doc.add_value(slot, std::string(value, len));
	} catch (...) {
	}
}

void dd_doc_set_data(dd_doc_t *doc, const char *data, size_t len)
{
	try {
		doc->doc.set_data(std::string(data, len));
	} catch (...) {
	}
}

dd_status_t dd_db_replace_doc(dd_db_t *db, const char *idterm, dd_doc_t *doc, dd_error_t *err)
{
	try {
		doc->doc.add_boolean_term(idterm);
		db->write->replace_document(idterm, doc->doc);
		return DD_OK;
	}
	CATCH_ALL(err, idterm + 1)
}

dd_status_t dd_db_delete_doc(dd_db_t *db, const char *idterm, dd_error_t *err)
{
	try {
		db->write->delete_document(idterm);
		return DD_OK;
	}
	CATCH_ALL(err, idterm + 1)
}

static dd_query_t *wrap(const Xapian::Query &q)
{
	try {
		return new dd_query{q};
	} catch (...) {
		return nullptr;
	}
}

dd_query_t *dd_query_term(const char *term, unsigned wqf)
{
	try {
		return wrap(Xapian::Query(term, wqf ? wqf : 1));
	} catch (...) {
		return nullptr;
	}
}

dd_query_t *dd_query_phrase(const char *const *terms, size_t n, unsigned window)
{
	try {
		std::vector<Xapian::Query> subs;
		for (size_t i = 0; i < n; i++)
			subs.emplace_back(terms[i]);
		if (subs.size() == 1)
			return wrap(subs[0]);
		return wrap(Xapian::Query(Xapian::Query::OP_PHRASE, subs.begin(), subs.end(),
					  window ? window : static_cast<Xapian::termcount>(n)));
	} catch (...) {
		return nullptr;
	}
}

dd_query_t *dd_query_combine(dd_query_op_t op, dd_query_t **subs, size_t n)
{
	try {
		std::vector<Xapian::Query> qs;
		for (size_t i = 0; i < n; i++) {
			if (subs[i]) {
				qs.push_back(subs[i]->q);
				delete subs[i];
			}
		}
		if (qs.empty())
			return wrap(Xapian::Query::MatchNothing);
		Xapian::Query::op xop = Xapian::Query::OP_OR;
		switch (op) {
		case DD_QUERY_AND: xop = Xapian::Query::OP_AND; break;
		case DD_QUERY_OR: xop = Xapian::Query::OP_OR; break;
		case DD_QUERY_AND_NOT: xop = Xapian::Query::OP_AND_NOT; break;
		case DD_QUERY_AND_MAYBE: xop = Xapian::Query::OP_AND_MAYBE; break;
		case DD_QUERY_FILTER: xop = Xapian::Query::OP_FILTER; break;
		case DD_QUERY_SYNONYM: xop = Xapian::Query::OP_SYNONYM; break;
		}
		if (qs.size() == 1 && op != DD_QUERY_SYNONYM)
			return wrap(qs[0]);
		if (op == DD_QUERY_AND_NOT && qs.size() > 2) {
			// first AND NOT (any of the rest)
			Xapian::Query rest(Xapian::Query::OP_OR, qs.begin() + 1, qs.end());
			return wrap(Xapian::Query(xop, qs[0], rest));
		}
		if ((op == DD_QUERY_FILTER || op == DD_QUERY_AND_MAYBE) && qs.size() > 2) {
			Xapian::Query rest(op == DD_QUERY_FILTER ? Xapian::Query::OP_AND : Xapian::Query::OP_OR,
					   qs.begin() + 1, qs.end());
			return wrap(Xapian::Query(xop, qs[0], rest));
		}
		return wrap(Xapian::Query(xop, qs.begin(), qs.end()));
	} catch (...) {
		return nullptr;
	}
}

dd_query_t *dd_query_scale(dd_query_t *q, double factor)
{
	if (!q)
		return nullptr;
	try {
		q->q = Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q->q, factor);
		return q;
	} catch (...) {
		delete q;
		return nullptr;
	}
}

dd_query_t *dd_query_value_range(unsigned slot, const char *low, const char *high)
{
	try {
		if (low && high)
			return wrap(Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, low, high));
		if (low)
			return wrap(Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, low));
		if (high)
			return wrap(Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, high));
		return wrap(Xapian::Query::MatchAll);
	} catch (...) {
		return nullptr;
	}
}

dd_query_t *dd_query_match_all(void) { return wrap(Xapian::Query::MatchAll); }
dd_query_t *dd_query_match_nothing(void) { return wrap(Xapian::Query::MatchNothing); }
dd_query_t *dd_query_copy(const dd_query_t *q) { return q ? wrap(q->q) : nullptr; }
void dd_query_free(dd_query_t *q) { delete q; }

char *dd_query_describe(const dd_query_t *q)
{
	try {
		return dup_string(q->q.get_description());
	} catch (...) {
		return nullptr;
	}
}

dd_status_t dd_db_search(dd_db_t *db, const dd_query_t *q, const dd_search_options_t *opts, dd_results_t **out,
			 dd_error_t *err)
{
	*out = nullptr;
	try {
		std::unique_ptr<dd_results> r(new dd_results);
		r->db = *db->read;
		Xapian::Enquire enquire(*db->read);
		enquire.set_query(q->q);
		if (opts->bm25_k1 > 0 || opts->bm25_b > 0)
			enquire.set_weighting_scheme(Xapian::BM25Weight(opts->bm25_k1 > 0 ? opts->bm25_k1 : 1.0, 0, 1,
									opts->bm25_b > 0 ? opts->bm25_b : 0.5, 0.5));
		if (opts->sort_by_value)
			enquire.set_sort_by_value_then_relevance(opts->sort_slot, opts->sort_descending != 0);
		r->facets.resize(opts->facet_slot_count);
		std::vector<std::unique_ptr<MultiValueSpy>> spies;
		for (size_t f = 0; f < opts->facet_slot_count; f++) {
			spies.emplace_back(new MultiValueSpy(opts->facet_slots[f], &r->facets[f]));
			enquire.add_matchspy(spies.back().get());
		}
		Xapian::doccount check = opts->check_at_least ? opts->check_at_least : 0;
		if (opts->facet_slot_count)
			check = db->read->get_doccount();
		Xapian::MSet mset = enquire.get_mset(opts->offset, opts->limit, check);
		r->total = mset.get_matches_estimated();
		for (auto m = mset.begin(); m != mset.end(); ++m) {
			r->scores.push_back(m.get_weight());
			r->docids.push_back(*m);
		}
		*out = r.release();
		return DD_OK;
	}
	CATCH_ALL(err, "search")
}

void dd_results_free(dd_results_t *r) { delete r; }
size_t dd_results_total(const dd_results_t *r) { return r->total; }
size_t dd_results_count(const dd_results_t *r) { return r->scores.size(); }
double dd_results_score(const dd_results_t *r, size_t i) { return r->scores[i]; }

const char *dd_results_data(const dd_results_t *r, size_t i, size_t *len)
{
	dd_results *w = const_cast<dd_results *>(r);
	try {
		if (w->data.empty()) {
			w->data.resize(w->docids.size());
			w->have_data.assign(w->docids.size(), 0);
		}
		if (!w->have_data[i]) {
			w->data[i] = w->db.get_document(w->docids[i]).get_data();
			w->have_data[i] = 1;
		}
	} catch (...) {
	}
	if (len)
		*len = w->data.empty() ? 0 : w->data[i].size();
	return w->data.empty() ? "" : w->data[i].c_str();
}

const char *dd_results_value(const dd_results_t *r, size_t i, unsigned slot, size_t *len)
{
	dd_results *w = const_cast<dd_results *>(r);
	try {
		if (w->value.empty())
			w->value.resize(w->docids.size());
		w->value[i] = w->db.get_document(w->docids[i], Xapian::DOC_ASSUME_VALID).get_value(slot);
	} catch (...) {
	}
	if (len)
		*len = w->value.empty() ? 0 : w->value[i].size();
	return w->value.empty() ? "" : w->value[i].c_str();
}

const char *dd_results_id(const dd_results_t *r, size_t i)
{
	// Looked up only when asked: reading a termlist costs more than the search.
	dd_results *w = const_cast<dd_results *>(r);
	try {
		if (w->ids.empty())
			w->ids.resize(w->docids.size());
		if (w->ids[i].empty()) {
			Xapian::Document doc = w->db.get_document(w->docids[i]);
			Xapian::TermIterator t = doc.termlist_begin();
			t.skip_to("Q");
			if (t != doc.termlist_end() && (*t)[0] == 'Q')
				w->ids[i] = (*t).substr(1);
		}
	} catch (...) {
	}
	return w->ids[i].c_str();
}

void dd_results_foreach_facet(const dd_results_t *r, size_t f, void (*fn)(const char *, size_t, void *), void *ctx)
{
	if (f >= r->facets.size())
		return;
	for (const auto &kv : r->facets[f].counts)
		fn(kv.first.c_str(), kv.second, ctx);
}

// Relevance feedback keeps only terms with one of the wanted prefixes.
class PrefixDecider : public Xapian::ExpandDecider {
	std::vector<std::string> prefixes;

      public:
	explicit PrefixDecider(std::vector<std::string> p) : prefixes(std::move(p)) {}
	bool operator()(const std::string &term) const override
	{
		for (const auto &p : prefixes) {
			if (p.empty()) {
				if (!term.empty() && !(term[0] >= 'A' && term[0] <= 'Z'))
					return true;
			} else if (term.compare(0, p.size(), p) == 0) {
				return true;
			}
		}
		return false;
	}
};

dd_status_t dd_db_like_query(dd_db_t *db, const char *const *idterms, size_t n_ids, size_t nterms,
			     const char *const *prefixes, size_t n_prefixes, dd_query_t **out, dd_error_t *err)
{
	*out = nullptr;
	try {
		Xapian::RSet rset;
		for (size_t i = 0; i < n_ids; i++) {
			Xapian::docid id = find_doc(db, idterms[i]);
			if (!id)
				return dd_error_set(err, DD_ERR_NOT_FOUND, "no note %s in the index", idterms[i] + 1);
			rset.add_document(id);
		}
		Xapian::Enquire enquire(*db->read);
		enquire.set_query(Xapian::Query::MatchAll);
		std::vector<std::string> pre(prefixes, prefixes + n_prefixes);
		PrefixDecider decider(pre);
		Xapian::ESet eset = enquire.get_eset(nterms, rset, &decider);
		std::vector<Xapian::Query> terms;
		for (auto t = eset.begin(); t != eset.end(); ++t)
			terms.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(*t), t.get_weight());
		*out = wrap(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
		return *out ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
	CATCH_ALL(err, "more like this")
}

dd_status_t dd_baseline_ngram_index(dd_db_t *db, const char *idterm, const char *text, dd_error_t *err)
{
	try {
		Xapian::TermGenerator gen;
		gen.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
		Xapian::Document doc;
		gen.set_document(doc);
		gen.index_text(text);
		doc.add_boolean_term(idterm);
		db->write->replace_document(idterm, doc);
		return DD_OK;
	}
	CATCH_ALL(err, idterm)
}

dd_query_t *dd_baseline_ngram_query(const char *query, int phrase)
{
	try {
		Xapian::QueryParser qp;
		qp.set_default_op(Xapian::Query::OP_OR);
		std::string text(query);
		if (phrase)
			text = "\"" + text + "\"";
		return wrap(qp.parse_query(text, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM));
	} catch (...) {
		return nullptr;
	}
}

} // extern "C"
