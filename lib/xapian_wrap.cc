// xapian_wrap.cc - the C API of xapian_wrap.h over Xapian's C++ API.
//
// The only C++ in dundian.  Every entry point catches every exception and
// turns it into a dd_status_t plus a message; nothing C++ escapes.
#include "xapian_wrap.h"
#include "xapian_baseline.h"

#include <xapian.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

// Documents whose postings Xapian buffers before writing them into its
// tables (XAPIAN_FLUSH_THRESHOLD; see dd_db_open_write).  Each posting
// added looks its term up in the buffer (a std::map of every term of the
// buffered documents: a fifth of a new index's CPU), so a smaller buffer
// is quicker to add to but flushed more often.  128 against 256 (each pair
// run side by side, CPU user + system): 10,000 notes 30.8 s / 32.5 s, peak
// 48 MB / 68 MB; 50,000 notes 202.5 s / 207.3 s, 58 MB / 78 MB.  64 was
// quicker still at 10,000 (31.5 / 33.2 s) but slower at 50,000 (205.6 /
// 199.0 s: writing blocks at each flush, system time 31.8 s / 12.7 s).
#define DD_FLUSH_THRESHOLD "128"
// A new index being built commits every this many flushes (see
// dd_db_open_write).
#define DD_BUILD_COMMIT_FLUSHES 4
// A new index written by several threads (dd_db_set_writers): at most this
// many, and at most this many documents wait for each extra one.
#define DD_MAX_WRITERS 4
#define DD_WRITER_QUEUE 32
// The folder of extra writer k (1, 2, ...) inside the unfinished folder.
#define DD_SHARD_FOLDER "shard"

// A part of a new index written by a thread of its own (dd_db_set_writers):
// its own WritableDatabase in its own folder, merged with the others by the
// compaction that publishes the index.  The queue, busy, stop and the
// first failure are guarded by lock; db, in_transaction and stored are the
// thread's while busy or the queue is not empty, else the caller's (the
// lock orders each hand-over).
struct extra_shard {
	struct job {
		std::string idterm;
		Xapian::Document doc;
		bool fresh; // no document of idterm in this shard: add, not replace
	};
	std::string dir;
	Xapian::WritableDatabase *db = nullptr;
	bool in_transaction = false;
	unsigned stored = 0; // since the last commit
	std::thread thread;
	std::mutex lock;
	std::condition_variable work_cond, done_cond;
	std::deque<job> queue;
	bool busy = false, stop = false, failed = false;
	dd_error_t failure{}; // the first failure, when failed
};

struct CheckMemo; // dd_query_checked

struct dd_db {
	Xapian::Database *read = nullptr; // always set; == write when writable
	Xapian::WritableDatabase *write = nullptr;
	bool in_transaction = false;
	std::string path; // as given, for messages
	// Write side only.  A new index (path held none) is built in dir, the
	// sibling folder path + DD_UNFINISHED, and put in place by the commit
	// that ends the run (publish): until then nothing at path changes, so a
	// run killed or failing leaves no index at all, and the run commits
	// every commit_every documents it stores (building), which lets go of
	// what Xapian holds in memory until a commit (the values of every
	// document changed in a transaction).  Otherwise dir == path.
	// committed: a change was made outside a transaction (Xapian commits
	// it on close at the latest, and a building index is then published).
	// sizes: each file's size after opening, which a cancelled transaction
	// cuts the files back to.
	std::string dir;
	bool building = false, committed = false;
	unsigned stored = 0, commit_every = 0; // building: documents stored since the last commit
	std::map<std::string, off_t> sizes;
	// building: the id terms stored this run, with the writer holding each
	// (0: this thread's, k: extras[k - 1]); a new id is added, not
	// replaced (no look-up), and a note's id always goes to the same
	// writer.  Extra writers are started by dd_db_set_writers.
	std::unordered_map<std::string, unsigned char> stored_ids;
	std::vector<std::unique_ptr<extra_shard>> extras;
	// Read side over a stub: each shard on its own (sharing its internals
	// with *read, which combines them), named for messages as the stub
	// lists it.  Empty for a plain index folder.
	std::vector<Xapian::Database> shards;
	std::vector<std::string> shard_names;
	bool remote = false; // some shard is served by xapian-tcpsrv
	// Read side only: term frequencies asked at this revision (a query's
	// words and their thesaurus relatives come back query after query),
	// emptied when the handle moves to another revision.
	std::unordered_map<std::string, Xapian::doccount> term_freqs;
	// Read side only: the largest weight a topic feedback boost gives a
	// note (dd_results_boost), by the boost's serialised query, for the
	// index (UUID) at the revision noted; emptied when either changes.
	struct {
		std::string uuid;
		Xapian::rev revision = 0;
		std::unordered_map<std::string, double> of;
	} boost_most;
	// Read side only: what the check of each exact string said of the
	// documents it was asked about (CheckMemo), by check function and
	// string, so a string checked again on this handle (the page after
	// topic feedback, "did you mean", the next query of a server's worker)
	// reads no text twice.  Each memo starts afresh at another revision;
	// all are dropped past DD_CHECK_MEMO_DOCS answers kept.
	std::unordered_map<std::string, std::shared_ptr<CheckMemo>> check_memos;
	// Read side, a plain index folder: the folder (device, inode) opened,
	// so dd_db_reopen sees that a re-index put another folder in its
	// place (dd_db_replace_commit) and opens that one afresh.
	dev_t folder_dev = 0;
	ino_t folder_ino = 0;
};

// At most this many term frequencies are kept (then the cache starts over).
#define DD_TERM_FREQ_CACHE 65536
// At most this many checked documents are remembered by one read handle's
// memos of exact strings (dd_db.check_memos; some 40 bytes each, so about
// 10 MB: five strings of a 50,000-note index each checked in every note).
#define DD_CHECK_MEMO_DOCS 262144

struct dd_doc {
	Xapian::Document doc;
	std::string failure; // first failed add, "" while complete
};

struct dd_query {
	Xapian::Query q;
};

struct facet_counts {
	std::map<std::string, size_t> counts;
};

struct dd_results {
	size_t total = 0;
	std::vector<double> scores;
	std::vector<std::string> data; // filled on demand: documents are read lazily
	std::vector<char> have_data;
	std::vector<std::string> value; // the last value asked for, per hit
	std::vector<Xapian::docid> docids;
	std::vector<std::string> ids; // filled on demand by dd_results_id
	Xapian::Database db;
	std::string path; // of the index, for messages
	std::vector<facet_counts> facets;
	dd_error_t first_failure{}; // of a lazy read (dd_results_error)
	dd_db *owner = nullptr;     // the handle searched (its caches)
};

// Adds the counts of a ValueCountMatchSpy to out, a value holding several
// entries separated by '\n' (a note's topics) counting for each entry.
// Xapian's own spy, not a subclass: xapian-tcpsrv can run only the spies
// it knows, and counting whole values then splitting them gives the same
// figures.
static void add_facet_counts(const Xapian::ValueCountMatchSpy &spy, facet_counts *out)
{
	for (auto v = spy.values_begin(); v != spy.values_end(); ++v) {
		const std::string &value = *v;
		size_t start = 0;
		while (start < value.size()) {
			size_t end = value.find('\n', start);
			if (end == std::string::npos)
				end = value.size();
			if (end > start)
				out->counts[value.substr(start, end - start)] += v.get_termfreq();
			start = end + 1;
		}
	}
}

// ---- errors --------------------------------------------------------------

// The errno behind a Xapian error.  Xapian keeps only strerror's text
// (get_error_string), so it is matched against the few errors dundian
// names in its own words; 0 when there is none, -1 for any other.
static int xapian_errno(const Xapian::Error &e)
{
	const char *s = e.get_error_string();
	if (!s || !*s)
		return 0;
	static const int named[] = { ENOSPC, EDQUOT, EROFS, EACCES, EPERM, ENOTDIR, ENOENT };
	for (int n : named)
		if (std::strcmp(s, std::strerror(n)) == 0)
			return n;
	return -1;
}

// A Xapian error that stems from the file system, in plain words; DD_OK
// when errno says nothing dundian can name better than Xapian.
static dd_status_t system_failure(dd_error_t *err, const char *path, const std::string &what, int no)
{
	switch (no) {
	case ENOSPC:
	case EDQUOT:
		return dd_error_set(err, DD_ERR_IO,
		                    "'%s': %s while trying to %s: free some space, then run dundian-index again", path,
		                    no == ENOSPC ? "no space left on device" : "disk quota exceeded", what.c_str());
	case EROFS:
		return dd_error_set(err, DD_ERR_IO, "'%s' is on a read-only file system: cannot %s", path,
		                    what.c_str());
	case ENOTDIR:
		return dd_error_set(err, DD_ERR_IO, "cannot %s '%s': a part of its path is a file, not a folder",
		                    what.c_str(), path);
	case EACCES:
	case EPERM:
		return dd_error_set(err, DD_ERR_IO, "no permission to %s '%s' (%s)", what.c_str(), path,
		                    std::strerror(no));
	default:
		return DD_OK;
	}
}

// Why the write lock could not be had: Xapian says "lock" for a read-only
// file system and for a folder we may not write in too, so look at the
// folder before blaming another writer.
static dd_status_t lock_failure(dd_error_t *err, const char *path, const Xapian::DatabaseLockError &e)
{
	struct statvfs fs;
	if (statvfs(path, &fs) == 0 && (fs.f_flag & ST_RDONLY))
		return system_failure(err, path, "write the index", EROFS);
	std::string lockfile = std::string(path) + "/flintlock";
	if (access(path, W_OK) != 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		return system_failure(err, path, "write in", errno);
	if (access(lockfile.c_str(), F_OK) == 0 && access(lockfile.c_str(), W_OK) != 0 &&
	    (errno == EACCES || errno == EPERM || errno == EROFS))
		return system_failure(err, lockfile.c_str(), "write", errno);
	if (e.get_msg().find("already locked") != std::string::npos)
		return dd_error_set(err, DD_ERR_INDEX,
		                    "'%s' is locked by another dundian-index: wait until it has finished", path);
	return dd_error_set(err, DD_ERR_INDEX, "cannot lock the index '%s': %s", path, e.get_msg().c_str());
}

// Turns the exception being handled (call only inside a catch block) into
// a status and one line about the index at path, failing to do what.
static dd_status_t failure(dd_error_t *err, const char *path, const std::string &what)
{
	try {
		throw;
	} catch (const Xapian::DatabaseLockError &e) {
		return lock_failure(err, path, e);
	} catch (const Xapian::DatabaseModifiedError &) {
		return dd_error_set(err, DD_ERR_INDEX,
		                    "'%s' was changed by dundian-index while it was being read: run the command again",
		                    path);
	} catch (const Xapian::DatabaseCorruptError &e) {
		return dd_error_set(
		    err, DD_ERR_INDEX,
		    "the index '%s' is damaged (%s): move it away and build it again with dundian-index", path,
		    e.get_msg().c_str());
	} catch (const Xapian::DatabaseVersionError &e) {
		return dd_error_set(err, DD_ERR_INDEX,
		                    "the index '%s' was written by an incompatible Xapian (%s): build it again", path,
		                    e.get_msg().c_str());
	} catch (const Xapian::DatabaseCreateError &e) {
		// Xapian's text is "PATH: mkdir failed", the reason only in errno.
		int no = xapian_errno(e);
		dd_status_t st = system_failure(err, path, what, no);
		if (st != DD_OK)
			return st;
		if (no == ENOENT)
			return dd_error_set(err, DD_ERR_IO,
			                    "cannot create the index '%s': its parent folder does not exist", path);
		return dd_error_set(err, DD_ERR_IO, "cannot create the index '%s': %s", path,
		                    no ? e.get_error_string() : e.get_msg().c_str());
	} catch (const Xapian::Error &e) {
		int no = xapian_errno(e);
		dd_status_t st = system_failure(err, path, what, no);
		if (st != DD_OK)
			return st;
		if (no)
			return dd_error_set(err, DD_ERR_IO, "'%s': cannot %s: %s (%s)", path, what.c_str(),
			                    e.get_msg().c_str(), e.get_error_string());
		return dd_error_set(err, DD_ERR_INDEX, "'%s': cannot %s: %s", path, what.c_str(), e.get_msg().c_str());
	} catch (const std::bad_alloc &) {
		return dd_error_set(err, DD_ERR_NOMEM, "'%s': out of memory while trying to %s", path, what.c_str());
	} catch (const std::exception &e) {
		return dd_error_set(err, DD_ERR_INDEX, "'%s': cannot %s: %s", path, what.c_str(), e.what());
	} catch (...) {
		return dd_error_set(err, DD_ERR_INDEX, "'%s': cannot %s: unknown error", path, what.c_str());
	}
}

// A failed system call no of the file system at path, trying to do what.
static dd_status_t failure_errno(dd_error_t *err, const std::string &path, const std::string &what, int no)
{
	dd_status_t st = system_failure(err, path.c_str(), what, no);
	if (st != DD_OK)
		return st;
	return dd_error_set(err, DD_ERR_IO, "cannot %s '%s': %s", what.c_str(), path.c_str(), std::strerror(no));
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

// ---- the index folder ------------------------------------------------------

// The entries of folder path ("." and ".." left out); empty if unreadable.
static std::set<std::string> folder_names(const std::string &path)
{
	std::set<std::string> names;
	DIR *d = opendir(path.c_str());
	if (!d)
		return names;
	while (struct dirent *e = readdir(d))
		if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
			names.insert(e->d_name);
	closedir(d);
	return names;
}

// Whether Xapian (glass) makes files of this name in an index folder.
static bool xapian_file(const std::string &name)
{
	auto ends_with = [&name](const char *tail) {
		size_t n = std::strlen(tail);
		return name.size() >= n && name.compare(name.size() - n, n, tail) == 0;
	};
	return name == "flintlock" || name.compare(0, 8, "iamglass") == 0 || ends_with(".glass") || ends_with(".tmp");
}

// Two empty folders an unfinished index's folder holds for a moment, to
// try exchanging them (can_exchange).
#define DD_EXCHANGE_A "exchange.a"
#define DD_EXCHANGE_B "exchange.b"

// Where a new index is compacted before it is put in place (publish).
#define DD_COMPACTED "compacted"

// Removes the Xapian files in dir, then dir if nothing else is left in it.
static void remove_xapian_folder(const std::string &dir)
{
	for (const std::string &name : folder_names(dir))
		if (xapian_file(name))
			unlink((dir + "/" + name).c_str());
	rmdir(dir.c_str());
}

// The folder of extra writer k of the new index built in dir.
static std::string shard_folder(const std::string &dir, unsigned k)
{
	return dir + "/" DD_SHARD_FOLDER + std::to_string(k);
}

// Removes an unfinished index's folder: its DD_COMPACTED folder and the
// extra writers' folders, then itself.
static void remove_unfinished(const std::string &dir)
{
	rmdir((dir + "/" DD_EXCHANGE_A).c_str()); // see can_exchange
	rmdir((dir + "/" DD_EXCHANGE_B).c_str());
	remove_xapian_folder(dir + "/" DD_COMPACTED);
	for (unsigned k = 1; k < DD_MAX_WRITERS; k++)
		remove_xapian_folder(shard_folder(dir, k));
	remove_xapian_folder(dir);
}

static void record_sizes(dd_db *db)
{
	for (const std::string &name : folder_names(db->dir)) {
		struct stat st;
		if (stat((db->dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode))
			db->sizes[name] = st.st_size;
	}
}

// After a cancelled transaction or failed commit: the blocks Xapian wrote
// past each file's end at opening belong to no committed revision (we hold
// the write lock, so nobody else wrote them), so cut them off, and remove
// temporary files this run left.  Without it a full disk stays full.
static void cut_back(dd_db *db)
{
	for (const std::string &name : folder_names(db->dir)) {
		std::string file = db->dir + "/" + name;
		auto known = db->sizes.find(name);
		struct stat st;
		if (known == db->sizes.end()) {
			if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0)
				unlink(file.c_str());
		} else if (stat(file.c_str(), &st) == 0 && st.st_size > known->second) {
			if (truncate(file.c_str(), known->second) != 0) {
				// nothing better to do: the space is reused by the next run
			}
		}
	}
}

// A file where an index should be: refuse before Xapian reads it as a
// "stub database" (and then complains about its lines) or writes near it.
static dd_status_t check_not_a_file(const char *path, dd_error_t *err)
{
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		return dd_error_set(err, DD_ERR_INVALID, "'%s' is a file, not a dundian index", path);
	return DD_OK;
}

// ---- stubs: one index in shards ---------------------------------------------

// One line of a stub: a local index folder, or host:port of xapian-tcpsrv.
struct stub_shard {
	unsigned line = 0;
	bool remote = false;
	std::string path, host; // path: as resolved; host: remote only
	unsigned port = 0;
	std::string name; // for messages: the path, or host:port
};

// Parses "HOST:PORT" ("[v6]:PORT" too) into s; false if it is not one.
static bool parse_host_port(const std::string &text, stub_shard &s)
{
	size_t colon = text.rfind(':');
	if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size() || colon + 6 < text.size())
		return false;
	unsigned long port = 0;
	for (size_t i = colon + 1; i < text.size(); i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		port = port * 10 + static_cast<unsigned long>(text[i] - '0');
	}
	if (port == 0 || port > 65535)
		return false;
	std::string host = text.substr(0, colon);
	if (host.size() > 2 && host.front() == '[' && host.back() == ']')
		host = host.substr(1, host.size() - 2);
	if (host.empty() || host.find_first_of(" \t[]") != std::string::npos)
		return false;
	s.remote = true;
	s.host = host;
	s.port = static_cast<unsigned>(port);
	s.name = text;
	return true;
}

// path without the slashes that end it ("/" stays "/").
static std::string trimmed_path(const std::string &path)
{
	std::string p = path;
	while (p.size() > 1 && p.back() == '/')
		p.pop_back();
	return p;
}

// The folder holding path ("." for a bare name).
static std::string parent_folder(const std::string &path)
{
	std::string p = trimmed_path(path);
	size_t slash = p.rfind('/');
	return slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash);
}

// Reads the stub file at path into out.  A file whose first line is not a
// stub's is "a file, not a dundian index" (DD_ERR_INVALID), as before stubs
// were read; a later bad line is named.
static dd_status_t read_stub(const char *path, std::vector<stub_shard> &out, dd_error_t *err)
{
	struct stat st;
	std::ifstream in(path);
	// a stub is a few lines: a large file is something else given by mistake
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 65536 || !in)
		return dd_error_set(err, DD_ERR_INVALID, "'%s' is a file, not a dundian index", path);
	std::string folder = parent_folder(path);
	std::string line;
	unsigned number = 0;
	while (std::getline(in, line)) {
		number++;
		if (!line.empty() && line.back() == '\r')
			line.pop_back();
		if (line.empty() || line[0] == '#')
			continue;
		size_t space = line.find(' ');
		std::string type = line.substr(0, space),
		            rest = space == std::string::npos ? "" : line.substr(space + 1);
		stub_shard s;
		s.line = number;
		bool ok = false;
		if ((type == "auto" || type == "glass") && !rest.empty()) {
			s.path = rest[0] == '/' ? rest : folder + "/" + rest;
			s.name = rest;
			ok = true;
		} else if (type == "remote") {
			if (rest.compare(0, 4, "tcp ") == 0)
				rest.erase(0, 4);
			ok = parse_host_port(rest, s);
		}
		if (!ok && out.empty() && type != "auto" && type != "glass" && type != "remote")
			return dd_error_set(err, DD_ERR_INVALID, "'%s' is a file, not a dundian index", path);
		if (!ok)
			return dd_error_set(err, DD_ERR_INVALID,
			                    "%s:%u: a stub line is 'auto PATH' or 'remote HOST:PORT' (one shard each)",
			                    path, number);
		out.push_back(s);
	}
	if (out.empty())
		return dd_error_set(err, DD_ERR_INVALID, "'%s' is a stub that lists no shard", path);
	return DD_OK;
}

// Opens every shard the stub at path lists, into db->shards and a
// combined db->read.
static dd_status_t open_stub(dd_db *db, const char *path, dd_error_t *err)
{
	std::vector<stub_shard> listed;
	dd_status_t st = read_stub(path, listed, err);
	if (st != DD_OK)
		return st;
	Xapian::Database combined;
	// a shard listed twice would count its notes twice: the same folder
	// (by device and inode, whatever the spelling) or the same host:port
	std::set<std::pair<dev_t, ino_t>> folders;
	std::set<std::string> servers;
	for (const stub_shard &s : listed) {
		try {
			struct stat info;
			if (!s.remote && (stat(s.path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
			                  access((s.path + "/iamglass").c_str(), F_OK) != 0))
				return dd_error_set(
				    err, DD_ERR_INDEX,
				    "%s:%u: no index at '%s': build the shard with dundian-index --shard "
				    "K/N --db %s",
				    path, s.line, s.path.c_str(), s.path.c_str());
			bool again = s.remote ? !servers.insert(s.host + ":" + std::to_string(s.port)).second
			                      : !folders.insert({ info.st_dev, info.st_ino }).second;
			if (again)
				return dd_error_set(err, DD_ERR_INVALID, "%s:%u: the shard %s is listed twice", path,
				                    s.line, s.name.c_str());
			// 10 s to connect and per exchange: a dead machine is
			// reported, not waited for
			Xapian::Database shard =
			    s.remote ? Xapian::Remote::open(s.host, s.port, 10000, 10000) : Xapian::Database(s.path);
			combined.add_database(shard);
			db->remote |= s.remote;
			db->shards.push_back(shard);
			db->shard_names.push_back(s.name);
		} catch (const Xapian::NetworkError &e) {
			return dd_error_set(err, DD_ERR_INDEX, "%s:%u: cannot reach the shard at %s: %s", path, s.line,
			                    s.name.c_str(), e.get_msg().c_str());
		} catch (...) {
			return failure(err, s.path.empty() ? s.name.c_str() : s.path.c_str(), "open the shard");
		}
	}
	db->read = new Xapian::Database(combined);
	return DD_OK;
}

// ---- a new index, built aside ------------------------------------------

// The folder a new index for path is built in: a sibling, so moving it
// into place is one rename(2).
static std::string unfinished_folder(const char *path)
{
	return trimmed_path(path) + DD_UNFINISHED;
}

// Xapian's flush threshold as it reads it (dd_db_open_write sets it).
static unsigned flush_threshold()
{
	const char *env = getenv("XAPIAN_FLUSH_THRESHOLD");
	long n = env ? std::atol(env) : 0;
	return n > 0 && n < 1000000 ? static_cast<unsigned>(n) : 10000;
}

// Building a new index: every commit_every documents stored in the run's
// transaction, commit it and go on in a new one, so Xapian lets go of what
// it holds until a commit.  Nothing of it is seen before publish.
static void building_step(dd_db *db)
{
	if (!db->building || !db->in_transaction || ++db->stored < db->commit_every)
		return;
	db->write->commit_transaction();
	db->in_transaction = false;
	db->write->begin_transaction(true);
	db->in_transaction = true;
	db->stored = 0;
}

// ---- extra writers of a new index (dd_db_set_writers) ----------------------

// The thread of extra writer e: stores each queued document in e->db, in
// queue order, committing every commit_every (building_step's rule), until
// stopped.  The first failure is kept for the caller (later documents are
// dropped: the run fails).
static void extra_main(extra_shard *e, unsigned commit_every, const std::string &path)
{
	std::unique_lock<std::mutex> hold(e->lock);
	for (;;) {
		e->work_cond.wait(hold, [e] { return e->stop || !e->queue.empty(); });
		if (e->queue.empty())
			break; // stopped
		extra_shard::job job = std::move(e->queue.front());
		e->queue.pop_front();
		e->busy = true;
		bool failed = e->failed;
		hold.unlock();
		dd_error_t why{};
		bool ok = true;
		if (!failed) {
			try {
				if (job.fresh)
					e->db->add_document(job.doc);
				else
					e->db->replace_document(job.idterm, job.doc);
				if (e->in_transaction && ++e->stored >= commit_every) {
					e->db->commit_transaction();
					e->in_transaction = false;
					e->db->begin_transaction(true);
					e->in_transaction = true;
					e->stored = 0;
				}
			} catch (...) {
				failure(&why, path.c_str(), std::string("store note ") + (job.idterm.c_str() + 1));
				ok = false;
			}
		}
		job.doc = Xapian::Document(); // freed here, off the caller's thread
		hold.lock();
		if (!ok && !e->failed) {
			e->failed = true;
			e->failure = why;
		}
		e->busy = false;
		e->done_cond.notify_all();
	}
}

// Waits until every extra writer has stored all it was given; then their
// databases are the caller's until it queues again.  The first failure of
// any, or DD_OK.
static dd_status_t settle_extras(dd_db *db, dd_error_t *err)
{
	dd_status_t st = DD_OK;
	for (auto &e : db->extras) {
		std::unique_lock<std::mutex> hold(e->lock);
		e->done_cond.wait(hold, [&e] { return e->queue.empty() && !e->busy; });
		if (e->failed && st == DD_OK) {
			st = e->failure.status;
			if (err)
				*err = e->failure;
		}
	}
	return st;
}

// Stops the extra writers and closes their databases (what they stored
// and did not commit is dropped).
static void stop_extras(dd_db *db)
{
	for (auto &e : db->extras) {
		{
			std::lock_guard<std::mutex> hold(e->lock);
			e->stop = true;
			e->work_cond.notify_all();
		}
		if (e->thread.joinable())
			e->thread.join();
		try {
			if (e->in_transaction)
				e->db->cancel_transaction();
			e->db->close();
		} catch (...) {
			// only files and a lock to let go of
		}
		delete e->db;
		e->db = nullptr;
	}
	db->extras.clear();
}

// The writer a note's id term goes to: the one holding it already, else
// one chosen by the id's hash (FNV-1a).
static unsigned writer_of(dd_db *db, const std::string &idterm, bool *fresh)
{
	auto at = db->stored_ids.find(idterm);
	*fresh = at == db->stored_ids.end();
	if (!*fresh)
		return at->second;
	uint64_t h = 14695981039346656037u;
	for (unsigned char c : idterm)
		h = (h ^ c) * 1099511628211u;
	return static_cast<unsigned>(h % (db->extras.size() + 1));
}

// The database holding the document of idterm when db builds a new index
// with extra writers, which are settled first: NULL when none holds it.
// Without extra writers, db->write.
static Xapian::WritableDatabase *holder_of(dd_db *db, const char *idterm)
{
	if (db->extras.empty())
		return db->write;
	auto at = db->stored_ids.find(idterm);
	if (at == db->stored_ids.end())
		return nullptr;
	return at->second ? db->extras[at->second - 1]->db : db->write;
}

// fsync(2) of a file or folder; false (errno set) when it fails.
static bool sync_path(const std::string &path, bool folder)
{
	int fd = open(path.c_str(), folder ? O_RDONLY | O_DIRECTORY : O_RDONLY);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0;
	int no = errno;
	close(fd);
	errno = no;
	return ok;
}

// Compacts the committed index db is building into the folder built (full
// blocks, none left over from the run's commits) and syncs it: it was
// written without.
static dd_status_t compact_synced(dd_db *db, const std::string &built, dd_error_t *err)
{
	if (db->extras.empty()) {
		db->write->compact(built, Xapian::DBCOMPACT_NO_RENUMBER);
	} else {
		// the writers' parts merged into one index: their document
		// numbers overlap, so they are numbered anew, part after part
		Xapian::Database all(*db->write);
		for (auto &e : db->extras)
			all.add_database(*e->db);
		all.compact(built);
		stop_extras(db);
	}
	for (const std::string &name : folder_names(built))
		if (!sync_path(built + "/" + name, false))
			return failure_errno(err, db->path, "write the index", errno);
	if (!sync_path(built, true))
		return failure_errno(err, db->path, "write the index", errno);
	return DD_OK;
}

// Puts the new index built in db->dir at db->path, once committed: it is
// compacted into db->dir/DD_COMPACTED (full blocks, none left over from
// the run's commits: smaller than a run in one transaction writes, for a
// fraction of a second), synced (it was written without), then renamed
// into place, one atomic step.  When path is a folder already (holding no
// index: empty, a mount point, or other files), Xapian's files are moved
// into it instead, "iamglass", which makes a folder an index, last (a kill
// before that leaves no index; the next run moves them again).  The handle
// is then opened again at path.
static dd_status_t publish(dd_db *db, dd_error_t *err)
{
	const std::string &path = db->path, unfinished = db->dir, built = unfinished + "/" DD_COMPACTED;
	dd_status_t compacted = compact_synced(db, built, err);
	if (compacted != DD_OK)
		return compacted;
	bool moved_files = false;
	if (rename(built.c_str(), path.c_str()) != 0) {
		int no = errno;
		struct stat st;
		if ((no != EBUSY && no != ENOTEMPTY && no != EEXIST) || stat(path.c_str(), &st) != 0 ||
		    !S_ISDIR(st.st_mode) || folder_names(path).count("iamglass"))
			return failure_errno(err, path, "put the new index in place", no);
		for (const std::string &name : folder_names(path))
			if (xapian_file(name) && name != "flintlock")
				unlink((path + "/" + name).c_str()); // a half-moved index of a killed run
		std::vector<std::string> order;
		for (const std::string &name : folder_names(built))
			if (xapian_file(name) && name != "flintlock" && name != "iamglass")
				order.push_back(name);
		order.push_back("iamglass");
		for (const std::string &name : order)
			if (rename((built + "/" + name).c_str(), (path + "/" + name).c_str()) != 0)
				return failure_errno(err, path, "put the new index in place", errno);
		moved_files = true;
	}
	if (!sync_path(moved_files ? path : parent_folder(path), true))
		return failure_errno(err, path, "put the new index in place", errno);
	// the index is in place: the handle is opened again there
	db->building = false;
	db->stored_ids.clear();
	db->dir = path;
	db->write->close();
	delete db->write;
	db->write = nullptr;
	db->read = nullptr;
	remove_unfinished(unfinished);
	db->write = new Xapian::WritableDatabase(path, Xapian::DB_OPEN);
	db->read = db->write;
	db->sizes.clear();
	record_sizes(db);
	return DD_OK;
}

// ---- an index replaced whole -------------------------------------------------

// The folder (device, inode) at path, or false.
static bool folder_identity(const std::string &path, dev_t *dev, ino_t *ino)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}

// Whether the file system of folder dir exchanges two folders in one step
// (renameat2 RENAME_EXCHANGE: ext4, xfs, btrfs, tmpfs do; NFS does not):
// tried on two empty folders made in dir.
static bool can_exchange(const std::string &dir)
{
	std::string a = dir + "/" DD_EXCHANGE_A, b = dir + "/" DD_EXCHANGE_B;
	rmdir(a.c_str()); // left by a run killed here
	rmdir(b.c_str());
	bool ok = mkdir(a.c_str(), 0700) == 0 && mkdir(b.c_str(), 0700) == 0 &&
	          renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
	rmdir(a.c_str());
	rmdir(b.c_str());
	return ok;
}

// A reader of a plain index folder whose path names another folder now
// (dd_db_replace_commit put a new index there): opened afresh at path, so
// it reads the new index rather than go on with the old one's files (a
// Xapian reopen reads the revision file by its path, but may keep the old
// tables' files open).  true when that was done.  Throws as opening does.
static bool replaced_folder(dd_db *db)
{
	dev_t dev;
	ino_t ino;
	if (db->write || !db->folder_ino || !db->shards.empty() || !folder_identity(db->path, &dev, &ino) ||
	    (dev == db->folder_dev && ino == db->folder_ino))
		return false;
	Xapian::Database *fresh = new Xapian::Database(db->path);
	delete db->read;
	db->read = fresh;
	db->folder_dev = dev;
	db->folder_ino = ino;
	db->term_freqs.clear();
	return true;
}

// What a killed run replacing the index at path left next to it (the
// unfinished folder: its new index, or the old one after the exchange),
// thrown away by a writer holding the index's lock, which no run
// replacing it can hold meanwhile.
static void remove_replacement_left(const char *path)
{
	std::string unfinished = unfinished_folder(path);
	struct stat st;
	if (stat(unfinished.c_str(), &st) == 0)
		remove_unfinished(unfinished);
}

// Opens db's handle again for writing at db->path, where another index has
// just been put: closing the old one first, which lets go of its lock.
// Another writer may take the new index's lock in between: the run's index
// is in place all the same, so the handle then only reads it (dd_db_begin
// says why it cannot write).
static void reopen_replaced(dd_db *db)
{
	if (db->write) {
		db->write->close();
		delete db->write;
	} else {
		delete db->read;
	}
	db->write = nullptr;
	db->read = nullptr;
	try {
		db->write = new Xapian::WritableDatabase(db->path, Xapian::DB_OPEN);
		db->read = db->write;
	} catch (const Xapian::DatabaseLockError &) {
		db->read = new Xapian::Database(db->path);
	}
	db->sizes.clear();
	record_sizes(db);
}

extern "C" {

dd_status_t dd_db_open_write(const char *path, dd_db_t **out, dd_error_t *err)
{
	*out = nullptr;
	if (check_not_a_file(path, err) != DD_OK)
		return DD_ERR_INVALID;
	std::unique_ptr<dd_db> db;
	try {
		db.reset(new dd_db);
		db->path = path;
		db->dir = path;
		db->building = folder_names(path).count("iamglass") == 0;
		// Glass buffers XAPIAN_FLUSH_THRESHOLD documents' postings in
		// memory (default 10,000), even inside a transaction, and each
		// insert slows as that buffer grows.  Flushing them into the
		// tables every few hundred notes keeps memory bounded; inside the
		// run's transaction the flushed blocks belong to no committed
		// revision, so a killed run still leaves the previous index.  Read
		// by Xapian when the database opens; the environment may set its own.
		setenv("XAPIAN_FLUSH_THRESHOLD", DD_FLUSH_THRESHOLD, 0);
		int flags = Xapian::DB_CREATE_OR_OPEN;
		if (db->building) {
			db->dir = unfinished_folder(path);
			// What a killed run left there is started over, once we hold
			// its lock (another run building it holds the lock).  Nothing
			// is synced until publish syncs it all once.
			flags = Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC;
			db->commit_every = DD_BUILD_COMMIT_FLUSHES * flush_threshold();
		}
		db->write = new Xapian::WritableDatabase(db->dir, flags);
		db->read = db->write;
		if (!db->building)
			remove_replacement_left(path);
		record_sizes(db.get());
		*out = db.release();
		return DD_OK;
	} catch (const Xapian::DatabaseLockError &) {
		// Another writer holds the lock: what is in the folder is its work.
		return failure(err, db ? db->dir.c_str() : path, "open the index for writing");
	} catch (...) {
		dd_status_t st =
		    failure(err, path, db && db->building ? "create the index" : "open the index for writing");
		if (db) {
			delete db->write;
			db->write = nullptr;
			db->read = nullptr;
			if (db->building)
				remove_unfinished(db->dir);
		}
		return st;
	}
}

dd_status_t dd_db_set_writers(dd_db_t *db, unsigned n, dd_error_t *err)
{
	if (!db->building || !db->extras.empty() || n < 2)
		return DD_OK;
	if (n > DD_MAX_WRITERS)
		n = DD_MAX_WRITERS;
	try {
		for (unsigned k = 1; k < n; k++) {
			std::unique_ptr<extra_shard> e(new extra_shard);
			e->dir = shard_folder(db->dir, k);
			e->db =
			    new Xapian::WritableDatabase(e->dir, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
			if (db->in_transaction) {
				e->db->begin_transaction(true);
				e->in_transaction = true;
			}
			db->extras.push_back(std::move(e));
			extra_shard *started = db->extras.back().get();
			started->thread = std::thread(extra_main, started, db->commit_every, db->path);
		}
		return DD_OK;
	} catch (...) {
		dd_status_t st = failure(err, db->path.c_str(), "create the index");
		stop_extras(db);
		return st;
	}
}

dd_status_t dd_db_open_read(const char *path, dd_db_t **out, dd_error_t *err)
{
	*out = nullptr;
	try {
		std::unique_ptr<dd_db> db(new dd_db);
		db->path = path;
		struct stat st;
		// a stub file, or a folder holding one as Xapian's XAPIANDB: its
		// shards are opened one by one, so each is checked like any index
		std::string stub = std::string(path) + "/XAPIANDB";
		bool stub_folder = stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(stub.c_str(), F_OK) == 0;
		if (stub_folder || (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))) {
			dd_status_t opened = open_stub(db.get(), stub_folder ? stub.c_str() : path, err);
			if (opened == DD_OK)
				*out = db.release();
			return opened;
		}
		db->read = new Xapian::Database(path);
		folder_identity(path, &db->folder_dev, &db->folder_ino);
		*out = db.release();
		return DD_OK;
	} catch (const Xapian::DatabaseNotFoundError &) {
		struct stat st;
		if (stat(path, &st) != 0 && errno == ENOENT)
			return dd_error_set(err, DD_ERR_NOT_FOUND, "no index at '%s'", path);
		if (stat(path, &st) == 0 && folder_names(path).empty())
			return dd_error_set(err, DD_ERR_NOT_FOUND, "no index at '%s' (the folder is empty)", path);
		if (stat(path, &st) == 0)
			return dd_error_set(err, DD_ERR_INVALID, "'%s' is a folder, but not a dundian index", path);
		return failure(err, path, "open the index");
	} catch (...) {
		return failure(err, path, "open the index");
	}
}

dd_status_t dd_db_reopen(dd_db_t *db, int *changed, dd_error_t *err)
{
	*changed = 0;
	try {
		if (replaced_folder(db)) {
			*changed = 1;
			return DD_OK;
		}
		*changed = db->read->reopen() ? 1 : 0;
		if (replaced_folder(db))
			*changed = 1; // replaced while reopening: what was read may mix the two
		if (*changed)
			db->term_freqs.clear();
		return DD_OK;
	} catch (const Xapian::NetworkError &) {
		if (db->shards.empty())
			return failure(err, db->path.c_str(), "reopen the index");
	} catch (...) {
		return failure(err, db->path.c_str(), "reopen the index");
	}
	// A remote shard hung up (xapian-tcpsrv closes idle connections):
	// connect to every shard again.  Results already handed out keep the
	// old handles, whose reads then fail and say so.
	std::unique_ptr<dd_db> fresh;
	try {
		fresh.reset(new dd_db);
		fresh->path = db->path;
	} catch (...) {
		return failure(err, db->path.c_str(), "reopen the index");
	}
	dd_status_t st = open_stub(fresh.get(), db->path.c_str(), err);
	if (st != DD_OK)
		return st;
	std::swap(db->read, fresh->read);
	std::swap(db->shards, fresh->shards);
	std::swap(db->shard_names, fresh->shard_names);
	db->remote = fresh->remote;
	delete fresh->read;
	db->term_freqs.clear();
	*changed = 1;
	return DD_OK;
}

void dd_db_close(dd_db_t *db)
{
	if (!db)
		return;
	std::string dir = db->dir;
	bool remove = false;
	try {
		if (db->write) {
			dd_db_cancel(db);
			if (db->building && db->committed) {
				// changes made outside a transaction: committed on close
				// as Xapian would, so the new index is put in place
				settle_extras(db, nullptr);
				for (auto &e : db->extras)
					e->db->commit();
				db->write->commit();
				dd_error_t ignored;
				publish(db, &ignored);
			}
		}
	} catch (...) {
		// as below
	}
	try {
		stop_extras(db); // (publish stopped them already)
		if (db->write)
			db->write->close();
	} catch (...) {
		// close() only lets go of files and the lock; a failure cannot be
		// acted on, and the lock goes with the process anyway.
	}
	remove = db->building; // never published
	delete db->read;
	delete db;
	if (remove)
		remove_unfinished(dir);
}

size_t dd_db_doc_count(const dd_db_t *db)
{
	try {
		if (!db->read)
			return 0; // a publish that could not open the index again
		size_t n = db->read->get_doccount();
		dd_db *writing = const_cast<dd_db *>(db);
		if (!db->extras.empty() && settle_extras(writing, nullptr) == DD_OK)
			for (auto &e : db->extras)
				n += e->db->get_doccount();
		return n;
	} catch (...) {
		return 0; // documented: a damaged index counts as empty here
	}
}

dd_status_t dd_db_begin(dd_db_t *db, dd_error_t *err)
{
	if (!db->write) // see reopen_replaced
		return dd_error_set(err, DD_ERR_INDEX, "cannot write to '%s': another writer holds it",
		                    db->path.c_str());
	try {
		// Xapian commits any pending change first, so the sizes recorded
		// now hold the last committed revision whole.
		dd_status_t st = settle_extras(db, err);
		if (st != DD_OK)
			return st;
		db->write->begin_transaction(true);
		db->in_transaction = true;
		for (auto &e : db->extras) {
			e->db->begin_transaction(true);
			e->in_transaction = true;
			e->stored = 0;
		}
		db->sizes.clear();
		record_sizes(db);
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), "begin a transaction");
	}
}

dd_status_t dd_db_commit(dd_db_t *db, dd_error_t *err)
{
	try {
		dd_status_t st = settle_extras(db, err);
		if (st != DD_OK) {
			dd_db_cancel(db);
			return st;
		}
		for (auto &e : db->extras) {
			if (e->in_transaction)
				e->db->commit_transaction();
			e->in_transaction = false;
		}
		db->write->commit_transaction();
		db->in_transaction = false;
		if (db->building)
			return publish(db, err);
		return DD_OK;
	} catch (...) {
		dd_status_t st = failure(err, db->path.c_str(), "commit the changes");
		// Xapian has already dropped the transaction and gone back to the
		// last commit; only the files' grown tails are left to cut.
		dd_db_cancel(db);
		return st;
	}
}

void dd_db_cancel(dd_db_t *db)
{
	if (!db->in_transaction)
		return;
	settle_extras(db, nullptr);
	for (auto &e : db->extras) {
		try {
			if (e->in_transaction)
				e->db->cancel_transaction();
		} catch (...) {
			// dropped when the writer is stopped all the same
		}
		e->in_transaction = false;
	}
	try {
		db->write->cancel_transaction();
	} catch (...) {
		// documented: dropped on close all the same
	}
	db->in_transaction = false;
	if (db->building)
		return; // the whole folder goes on close
	try {
		cut_back(db);
	} catch (...) {
		// out of memory listing the folder: the tails stay until next run
	}
}

// ---- an index replaced whole: the entry points ----

dd_status_t dd_db_open_replacement(dd_db_t *db, dd_db_t **out, dd_error_t *err)
{
	*out = nullptr;
	if (!db->write || db->building || db->in_transaction)
		return dd_error_set(err, DD_ERR_INVALID, "'%s': only an index opened for writing can be replaced",
		                    db->path.c_str());
	std::unique_ptr<dd_db> fresh;
	try {
		fresh.reset(new dd_db);
		fresh->path = db->path;
		fresh->dir = unfinished_folder(db->path.c_str());
		fresh->building = true;
		// db holds the index's lock, so no other run builds there: what a
		// killed run left is started over (as for a new index)
		fresh->write =
		    new Xapian::WritableDatabase(fresh->dir, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
		fresh->read = fresh->write;
		fresh->commit_every = DD_BUILD_COMMIT_FLUSHES * flush_threshold();
	} catch (...) {
		dd_status_t st = failure(err, db->path.c_str(), "create the index");
		if (fresh) {
			delete fresh->write;
			fresh->write = nullptr;
			fresh->read = nullptr;
			remove_unfinished(fresh->dir);
		}
		return st;
	}
	if (!can_exchange(fresh->dir)) {
		dd_db_close(fresh.release()); // removes the folder
		return dd_error_set(err, DD_ERR_IO, "'%s': the file system cannot exchange two folders in one step",
		                    db->path.c_str());
	}
	*out = fresh.release();
	return DD_OK;
}

dd_status_t dd_db_replace_commit(dd_db_t *db, dd_db_t *replacement, dd_error_t *err)
{
	dd_status_t st = DD_OK;
	std::string unfinished = replacement->dir, built = unfinished + "/" DD_COMPACTED;
	bool in_place = false;
	try {
		replacement->write->commit_transaction();
		replacement->in_transaction = false;
		st = compact_synced(replacement, built, err);
		// One step: db's path names the new index, and built the old one
		// (db still holds its files open, and its lock, until reopened).
		// A kill before it leaves the old index whole, a kill after it the
		// new one; either way the next run throws away what is left in the
		// unfinished folder.
		if (st == DD_OK &&
		    renameat2(AT_FDCWD, built.c_str(), AT_FDCWD, trimmed_path(db->path).c_str(), RENAME_EXCHANGE) != 0)
			st = failure_errno(err, db->path, "put the new index in place", errno);
		if (st == DD_OK) {
			in_place = true;
			replacement->building = false; // not removed on close
			replacement->write->close();
			reopen_replaced(db);
			// a crash of the machine before this could undo the exchange,
			// never mix the two indexes: nothing to take back if it fails
			sync_path(parent_folder(db->path), true);
		}
	} catch (...) {
		if (st == DD_OK)
			st = failure(err, db->path.c_str(),
			             in_place ? "open the new index (it is in place)" : "build the new index");
	}
	dd_db_close(replacement); // removes the unfinished folder unless in place
	if (in_place)
		remove_unfinished(unfinished); // the old index's files: db no longer uses them
	return st;
}

dd_status_t dd_db_set_metadata(dd_db_t *db, const char *key, const char *value, dd_error_t *err)
{
	try {
		db->write->set_metadata(key, value);
		db->committed |= !db->in_transaction; // Xapian commits it on close at the latest
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("write the index's ") + key);
	}
}

char *dd_db_get_metadata(dd_db_t *db, const char *key, dd_error_t *err)
{
	try {
		// Xapian reads a combined database's metadata from its first
		// shard only: every shard must agree.
		std::string value = db->read->get_metadata(key);
		for (size_t i = 1; i < db->shards.size(); i++) {
			if (db->shards[i].get_metadata(key) != value) {
				dd_error_set(err, DD_ERR_INDEX,
				             "the shards of '%s' hold different %s (%s and %s): index every shard with "
				             "the same dundian and vocabulary",
				             db->path.c_str(), key, db->shard_names[0].c_str(),
				             db->shard_names[i].c_str());
				return nullptr;
			}
		}
		char *s = dup_string(value);
		if (!s)
			dd_error_set(err, DD_ERR_NOMEM, "out of memory");
		return s;
	} catch (...) {
		failure(err, db->path.c_str(), std::string("read the index's ") + key);
		return nullptr;
	}
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
	} catch (...) {
		return failure(err, db->path.c_str(), "list the index's terms");
	}
}

size_t dd_db_count_matches(dd_db_t *db, const dd_query_t *q)
{
	if (!q)
		return 0;
	try {
		Xapian::Enquire enquire(*db->read);
		enquire.set_query(q->q);
		enquire.set_weighting_scheme(Xapian::BoolWeight());
		Xapian::doccount all = db->read->get_doccount();
		return enquire.get_mset(0, 0, all).get_matches_estimated();
	} catch (...) {
		return 0; // documented: a damaged index matches nothing here
	}
}

size_t dd_db_term_freq(dd_db_t *db, const char *term)
{
	try {
		if (db->write)
			return db->write->get_termfreq(term);
		auto known = db->term_freqs.find(term);
		if (known != db->term_freqs.end())
			return known->second;
		Xapian::doccount freq = db->read->get_termfreq(term);
		if (db->term_freqs.size() >= DD_TERM_FREQ_CACHE)
			db->term_freqs.clear();
		db->term_freqs.emplace(term, freq);
		return freq;
	} catch (...) {
		return 0; // documented: a damaged index holds no term here
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
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("read note ") + (idterm + 1));
	}
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
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("read note ") + (idterm + 1));
	}
}

dd_status_t dd_db_describe_doc(dd_db_t *db, const char *idterm, char **out, size_t *len, dd_error_t *err)
{
	*out = nullptr;
	try {
		Xapian::docid id = find_doc(db, idterm);
		if (!id)
			return dd_error_set(err, DD_ERR_NOT_FOUND, "no note %s in the index", idterm + 1);
		Xapian::Document doc = db->read->get_document(id);
		std::string d;
		for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
			d += "term " + *t + " " + std::to_string(t.get_wdf());
			for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
				d += " " + std::to_string(*p);
			d += "\n";
		}
		for (Xapian::ValueIterator v = doc.values_begin(); v != doc.values_end(); ++v)
			d += "value " + std::to_string(v.get_valueno()) + " " + *v + "\n";
		d += "data " + doc.get_data() + "\n";
		if (len)
			*len = d.size();
		*out = dup_string(d);
		return *out ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("read note ") + (idterm + 1));
	}
}

namespace
{
// Strings one after the other, each ending in NUL, in one malloc'd block
// (grown by realloc, which for a big block moves no byte): a string is
// named by where it starts, since growing may move the block.
struct text_block {
	char *p = nullptr;
	size_t len = 0, cap = 0;
	text_block() = default;
	text_block(const text_block &) = delete;
	text_block &operator=(const text_block &) = delete;
	~text_block() { std::free(p); }
	size_t add(const char *s, size_t n)
	{
		if (cap - len < n + 1) {
			size_t want = std::max(cap * 2, len + n + 1);
			char *grown = static_cast<char *>(std::realloc(p, want));
			if (!grown)
				throw std::bad_alloc();
			p = grown;
			cap = want;
		}
		size_t at = len;
		std::memcpy(p + len, s, n);
		p[len + n] = '\0';
		len += n + 1;
		return at;
	}
	size_t add(const std::string &s) { return add(s.data(), s.size()); }
};
} // namespace

dd_status_t dd_db_foreach_term_values(dd_db_t *db, const char *prefix, unsigned term_slot, const unsigned *slots,
                                      size_t n, int (*fn)(const char *term, const char *const *values, void *ctx),
                                      void *ctx, char **kept, dd_error_t *err)
{
	if (kept)
		*kept = nullptr;
	try {
		// the documents naming their term in term_slot, from its value
		// stream; the terms of documents that do not (written before the
		// slot existed), by a look-up each
		// (a sorted vector, not a map: one allocation, not one per note,
		// which a run that changes nothing would mostly spend its time on)
		std::vector<std::pair<std::string, Xapian::docid>> docs;
		size_t plen = std::strlen(prefix);
		docs.reserve(db->read->get_doccount());
		for (auto v = db->read->valuestream_begin(term_slot); v != db->read->valuestream_end(term_slot); ++v) {
			std::string term = *v;
			if (term.compare(0, plen, prefix) == 0)
				docs.emplace_back(std::move(term), v.get_docid());
		}
		std::sort(docs.begin(), docs.end());
		// every string handed to fn, in one block (a fresh page costs more
		// than the copy into it: nothing is copied twice), named by offset
		text_block text;
		text.add("", 0); // offset 0: the "" of a missing value
		size_t guess = docs.size() * (24 + n * 64);
		char *room = static_cast<char *>(std::realloc(text.p, guess + 1));
		if (!room)
			throw std::bad_alloc();
		text.p = room;
		text.cap = guess + 1;
		std::vector<std::pair<size_t, Xapian::docid>> terms; // (term's offset, document)
		terms.reserve(docs.size());
		auto known = docs.begin(); // both in term order: merged
		for (auto t = db->read->allterms_begin(prefix); t != db->read->allterms_end(prefix); ++t) {
			const std::string &term = *t;
			while (known != docs.end() && known->first < term)
				++known;
			if (known != docs.end() && known->first == term) {
				terms.emplace_back(text.add(term), known->second);
				continue;
			}
			Xapian::PostingIterator p = db->read->postlist_begin(term);
			if (p != db->read->postlist_end(term))
				terms.emplace_back(text.add(term), *p);
		}
		// then each slot's values in document order: a value stream reads
		// its slot's chunks in turn, where a document's values cost a
		// look-up per slot
		std::vector<size_t> by_doc(terms.size());
		for (size_t i = 0; i < by_doc.size(); i++)
			by_doc[i] = i;
		std::sort(by_doc.begin(), by_doc.end(),
		          [&terms](size_t a, size_t b) { return terms[a].second < terms[b].second; });
		std::vector<size_t> at(n * terms.size(), 0);
		for (size_t s = 0; s < n; s++) {
			Xapian::ValueIterator v = db->read->valuestream_begin(slots[s]);
			Xapian::ValueIterator end = db->read->valuestream_end(slots[s]);
			for (size_t i : by_doc) {
				if (v == end)
					break;
				v.skip_to(terms[i].second);
				if (v != end && v.get_docid() == terms[i].second)
					at[s * terms.size() + i] = text.add(*v);
			}
		}
		std::vector<const char *> row(n + 1);
		for (size_t i = 0; i < terms.size(); i++) {
			for (size_t s = 0; s < n; s++)
				row[s] = text.p + at[s * terms.size() + i];
			if (fn(text.p + terms[i].first, row.data(), ctx))
				break;
		}
		if (kept) {
			*kept = text.p;
			text.p = nullptr;
		}
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), "list the index's notes");
	}
}

dd_status_t dd_db_set_doc_value(dd_db_t *db, const char *idterm, unsigned slot, const char *value, dd_error_t *err)
{
	try {
		dd_status_t st = settle_extras(db, err);
		if (st != DD_OK)
			return st;
		Xapian::WritableDatabase *holder = holder_of(db, idterm);
		Xapian::PostingIterator p;
		if (holder)
			p = holder->postlist_begin(idterm);
		if (!holder || p == holder->postlist_end(idterm))
			return dd_error_set(err, DD_ERR_NOT_FOUND, "no note %s in the index", idterm + 1);
		Xapian::docid id = *p;
		// A document read from this database with only its values
		// changed: glass rewrites the values, not the postings.
		Xapian::Document doc = holder->get_document(id);
		doc.add_value(slot, value);
		holder->replace_document(id, doc);
		db->committed |= !db->in_transaction; // Xapian commits it on close at the latest
		building_step(db);
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("store note ") + (idterm + 1));
	}
}

static void spelling_count(dd_spelling_t *s, const Xapian::Document &doc, long by); // with the spelling data

dd_status_t dd_db_copy_doc(dd_db_t *to, dd_db_t *from, const char *idterm, unsigned slot, const char *value,
                           dd_spelling_t *spelling, dd_error_t *err)
{
	try {
		Xapian::docid id = find_doc(from, idterm);
		if (!id)
			return dd_error_set(err, DD_ERR_NOT_FOUND, "no note %s in the index", idterm + 1);
		Xapian::Document doc = from->read->get_document(id);
		if (value)
			doc.add_value(slot, value);
		if (spelling)
			spelling_count(spelling, doc, 1);
		to->write->replace_document(idterm, doc);
		to->committed |= !to->in_transaction; // Xapian commits it on close at the latest
		building_step(to);
		return DD_OK;
	} catch (const std::bad_alloc &) {
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	} catch (...) {
		return failure(err, to->path.c_str(), std::string("copy note ") + (idterm + 1));
	}
}

// ---- documents ----------------------------------------------------------

dd_doc_t *dd_doc_new(void)
{
	try {
		return new dd_doc;
	} catch (...) {
		return nullptr; // documented: out of memory
	}
}

void dd_doc_free(dd_doc_t *doc)
{
	delete doc;
}

// Records the first failure in doc (so dd_db_replace_doc refuses it) and
// reports this one.
static dd_status_t doc_failed(dd_doc_t *doc, dd_error_t *err, dd_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static dd_status_t doc_failed(dd_doc_t *doc, dd_error_t *err, dd_status_t st, const char *fmt, ...)
{
	char line[sizeof err->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (doc->failure.empty()) {
		try {
			doc->failure = line;
		} catch (...) {
			doc->failure.clear();
		}
		if (doc->failure.empty()) // could not even store the reason
			doc->failure.assign(1, '?');
	}
	return dd_error_set(err, st, "%s", line);
}

// The exception being handled while adding to doc.
static dd_status_t doc_caught(dd_doc_t *doc, dd_error_t *err)
{
	try {
		throw;
	} catch (const std::bad_alloc &) {
		return doc_failed(doc, err, DD_ERR_NOMEM, "out of memory while building a document");
	} catch (const Xapian::InvalidArgumentError &e) {
		return doc_failed(doc, err, DD_ERR_INVALID, "%s", e.get_msg().c_str());
	} catch (const Xapian::Error &e) {
		return doc_failed(doc, err, DD_ERR_INDEX, "%s", e.get_msg().c_str());
	} catch (...) {
		return doc_failed(doc, err, DD_ERR_INDEX, "unknown error while building a document");
	}
}

// Xapian would refuse these only when the document is stored, far from the
// call that made them.
static dd_status_t check_term(dd_doc_t *doc, const char *term, dd_error_t *err)
{
	size_t n = std::strlen(term);
	if (n == 0)
		return doc_failed(doc, err, DD_ERR_INVALID, "an empty term");
	if (n > DD_TERM_MAX_BYTES)
		return doc_failed(doc, err, DD_ERR_INVALID, "a term of %zu bytes (Xapian takes at most %d)", n,
		                  DD_TERM_MAX_BYTES);
	return DD_OK;
}

dd_status_t dd_doc_add_posting(dd_doc_t *doc, const char *term, unsigned pos, unsigned wdf_inc, dd_error_t *err)
{
	if (check_term(doc, term, err) != DD_OK)
		return DD_ERR_INVALID;
	try {
		doc->doc.add_posting(term, pos, wdf_inc);
		return DD_OK;
	} catch (...) {
		return doc_caught(doc, err);
	}
}

dd_status_t dd_doc_add_term(dd_doc_t *doc, const char *term, unsigned wdf_inc, dd_error_t *err)
{
	if (check_term(doc, term, err) != DD_OK)
		return DD_ERR_INVALID;
	try {
		doc->doc.add_term(term, wdf_inc);
		return DD_OK;
	} catch (...) {
		return doc_caught(doc, err);
	}
}

dd_status_t dd_doc_add_boolean_term(dd_doc_t *doc, const char *term, dd_error_t *err)
{
	if (check_term(doc, term, err) != DD_OK)
		return DD_ERR_INVALID;
	try {
		doc->doc.add_boolean_term(term);
		return DD_OK;
	} catch (...) {
		return doc_caught(doc, err);
	}
}

dd_status_t dd_doc_set_value(dd_doc_t *doc, unsigned slot, const char *value, size_t len, dd_error_t *err)
{
	try {
		doc->doc.add_value(slot, std::string(value, len));
		return DD_OK;
	} catch (...) {
		return doc_caught(doc, err);
	}
}

dd_status_t dd_doc_set_data(dd_doc_t *doc, const char *data, size_t len, dd_error_t *err)
{
	try {
		doc->doc.set_data(std::string(data, len));
		return DD_OK;
	} catch (...) {
		return doc_caught(doc, err);
	}
}

dd_status_t dd_db_replace_doc(dd_db_t *db, const char *idterm, dd_doc_t *doc, dd_error_t *err)
{
	if (!doc->failure.empty())
		return dd_error_set(err, DD_ERR_INVALID, "note %s not stored: building it failed (%s)", idterm + 1,
		                    doc->failure.c_str());
	if (check_term(doc, idterm, err) != DD_OK)
		return DD_ERR_INVALID;
	try {
		doc->doc.add_boolean_term(idterm);
		if (!db->building) {
			db->write->replace_document(idterm, doc->doc);
			db->committed |= !db->in_transaction; // Xapian commits it on close at the latest
			return DD_OK;
		}
		// A new index: an id not stored yet this run is in no document,
		// so its document is added without looking the id up.
		bool fresh;
		std::string term(idterm);
		unsigned writer = writer_of(db, term, &fresh);
		if (fresh && !db->in_transaction)
			writer = 0; // extra writers write inside transactions only
		if (writer && db->in_transaction) {
			extra_shard *e = db->extras[writer - 1].get();
			std::unique_lock<std::mutex> hold(e->lock);
			e->done_cond.wait(hold, [e] { return e->queue.size() < DD_WRITER_QUEUE; });
			if (e->failed) {
				if (err)
					*err = e->failure;
				return e->failure.status;
			}
			// the document moves to the writer's thread: doc keeps
			// an empty one, so no handle is shared between threads
			e->queue.push_back(extra_shard::job{ term, doc->doc, fresh });
			doc->doc = Xapian::Document();
			e->work_cond.notify_one();
		} else {
			if (writer) { // outside a transaction: written here, in order
				dd_status_t st = settle_extras(db, err);
				if (st != DD_OK)
					return st;
			}
			Xapian::WritableDatabase *w = writer ? db->extras[writer - 1]->db : db->write;
			if (fresh)
				w->add_document(doc->doc);
			else
				w->replace_document(idterm, doc->doc);
			db->committed |= !db->in_transaction; // Xapian commits it on close at the latest
			if (!writer)
				building_step(db);
		}
		if (fresh)
			db->stored_ids.emplace(std::move(term), static_cast<unsigned char>(writer));
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("store note ") + (idterm + 1));
	}
}

dd_status_t dd_db_delete_doc(dd_db_t *db, const char *idterm, dd_error_t *err)
{
	try {
		dd_status_t st = settle_extras(db, err);
		if (st != DD_OK)
			return st;
		Xapian::WritableDatabase *holder = holder_of(db, idterm);
		if (holder)
			holder->delete_document(idterm);
		db->committed |= !db->in_transaction; // Xapian commits it on close at the latest
		building_step(db);
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("delete note ") + (idterm + 1));
	}
}

static dd_query_t *wrap(const Xapian::Query &q)
{
	try {
		return new dd_query{ q };
	} catch (...) {
		return nullptr;
	}
}

dd_query_t *dd_query_prefix(const char *prefix)
{
	try {
		return wrap(Xapian::Query(Xapian::Query::OP_WILDCARD, prefix, 0, Xapian::Query::WILDCARD_LIMIT_ERROR,
		                          Xapian::Query::OP_SYNONYM));
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

// ---- candidates checked one by one ----------------------------------------

struct dd_candidate {
	Xapian::Document doc;
	std::string value, data;
};

const char *dd_candidate_value(dd_candidate_t *c, unsigned slot, size_t *len)
{
	c->value = c->doc.get_value(slot);
	*len = c->value.size();
	return c->value.c_str();
}

const char *dd_candidate_data(dd_candidate_t *c, size_t *len)
{
	c->data = c->doc.get_data();
	*len = c->data.size();
	return c->data.c_str();
}

// What check said of each document it was asked about, shared by the
// copies of one checked query that Xapian makes for each match (and each
// shard) and by every query of the same string on the same read handle
// (dd_db.check_memos), so the matches of one query (topic feedback, then
// the page: searching.h, then "did you mean") and the queries after it
// read and check each candidate once.  One table per index
// (by UUID), holding for one revision: a match over a reopened reader
// starts it afresh, and one over a database whose revision Xapian cannot
// tell (several shards as one) does without.  Only over a reader
// (dd_query_checked): a writer's uncommitted changes leave the revision
// as it was.
struct CheckMemo {
	struct Said {
		Xapian::rev revision = 0;
		std::unordered_map<Xapian::docid, bool> of;
	};
	std::map<std::string, Said> by_index;
};

// The documents holding every term that check accepts, as a posting list
// Xapian's matcher drives (next, skip_to) or asks about one document
// (check) when another part of the query already stands on it.  It weighs
// nothing: the terms' AND beside it carries the weight.
class CheckedSource : public Xapian::PostingSource
{
	std::vector<std::string> terms; // distinct
	std::string key;
	dd_candidate_check_t accept;
	std::shared_ptr<CheckMemo> memo; // null: none
	CheckMemo::Said *said = nullptr; // memo's table for this match's index, if any
	Xapian::Database db;
	std::vector<Xapian::PostingIterator> its;
	Xapian::docid current = 0; // 0: before the first
	bool ended = false;
	bool turned_away = false;  // check() stopped on current and refused it
	Xapian::doccount most = 0; // the rarest term's frequency

	bool accepts(Xapian::docid did)
	{
		if (said) {
			auto known = said->of.find(did);
			if (known != said->of.end())
				return known->second;
		}
		dd_candidate c{ db.get_document(did, Xapian::DOC_ASSUME_VALID), {}, {} };
		int r = accept(key.c_str(), &c);
		if (r < 0)
			throw std::bad_alloc();
		if (said)
			said->of[did] = r > 0;
		return r > 0;
	}

	// memo's table for d (emptied if it was another revision's), or null.
	CheckMemo::Said *memo_for(const Xapian::Database &d)
	{
		if (!memo)
			return nullptr;
		std::string uuid;
		Xapian::rev revision;
		try {
			uuid = d.get_uuid();
			revision = d.get_revision();
		} catch (const Xapian::InvalidOperationError &) {
			return nullptr; // several shards as one
		}
		if (uuid.empty())
			return nullptr;
		CheckMemo::Said &t = memo->by_index[uuid];
		if (t.revision != revision) {
			t.of.clear();
			t.revision = revision;
		}
		return &t;
	}

	// Moves to the first accepted document holding every term from did on.
	void find_from(Xapian::docid did)
	{
		for (;;) {
			bool moved = false;
			for (auto &it : its) {
				if (it != Xapian::PostingIterator())
					it.skip_to(did);
				if (it == Xapian::PostingIterator()) {
					ended = true;
					return;
				}
				if (*it > did) {
					did = *it;
					moved = true;
				}
			}
			if (moved)
				continue;
			if (accepts(did)) {
				current = did;
				turned_away = false;
				return;
			}
			did++;
		}
	}

      public:
	CheckedSource(std::vector<std::string> t, std::string k, dd_candidate_check_t fn, std::shared_ptr<CheckMemo> m)
	    : terms(std::move(t)), key(std::move(k)), accept(fn), memo(std::move(m))
	{
	}
	Xapian::PostingSource *clone() const override { return new CheckedSource(terms, key, accept, memo); }
	void init(const Xapian::Database &d) override
	{
		db = d;
		said = memo_for(d);
		its.clear();
		current = 0;
		turned_away = false;
		ended = terms.empty();
		most = db.get_doccount();
		for (const auto &t : terms) {
			most = std::min(most, db.get_termfreq(t));
			its.push_back(db.postlist_begin(t));
		}
		ended |= most == 0;
	}
	Xapian::doccount get_termfreq_min() const override { return 0; }
	Xapian::doccount get_termfreq_est() const override { return most; }
	Xapian::doccount get_termfreq_max() const override { return most; }
	void next(double) override
	{
		if (!ended)
			find_from(current + 1);
	}
	void skip_to(Xapian::docid did, double) override
	{
		if (!ended && did > current)
			find_from(did);
		else if (!ended && turned_away)
			find_from(current + 1);
	}
	// Whether did holds every term, by the terms' own posting lists (which
	// only move forward: checks come in rising order).  One that ran out
	// stays at its end: the matcher is not told here (it does not expect
	// a check to end a posting list), the next move (find_from) tells it.
	bool holds_terms(Xapian::docid did)
	{
		for (auto &it : its) {
			if (it == Xapian::PostingIterator())
				return false;
			it.skip_to(did);
			if (it == Xapian::PostingIterator() || *it != did)
				return false;
		}
		return true;
	}

	// Asked when another part of the query stands on did, perhaps before
	// the terms' AND beside this source has: a document without every
	// term is turned away by the posting lists, without reading its text
	// (at 10,000 notes three in four documents checked for 来了四十 were
	// such); the text says for the rest.  When the answer is no, the
	// position is left undetermined (return false).
	bool check(Xapian::docid did, double) override
	{
		if (ended)
			return true;
		if (did <= current)
			return !turned_away; // where skip_to would stay, unless refused
		current = did;
		turned_away = !holds_terms(did) || !accepts(did);
		return !turned_away;
	}
	bool at_end() const override { return ended; }
	Xapian::docid get_docid() const override { return current; }
	std::string get_description() const override { return "CheckedSource(" + key + ")"; }
};

// The handle's memo for key as check sees it (dd_db.check_memos), made
// when there is none; all are dropped first when they hold too much.
static std::shared_ptr<CheckMemo> check_memo(dd_db_t *db, const char *key, dd_candidate_check_t check)
{
	std::string name(reinterpret_cast<const char *>(&check), sizeof check);
	name += key;
	auto known = db->check_memos.find(name);
	if (known != db->check_memos.end())
		return known->second;
	size_t held = 0;
	for (const auto &m : db->check_memos)
		for (const auto &t : m.second->by_index)
			held += t.second.of.size();
	if (held > DD_CHECK_MEMO_DOCS)
		db->check_memos.clear();
	auto memo = std::make_shared<CheckMemo>();
	db->check_memos.emplace(std::move(name), memo);
	return memo;
}

// Over a remote shard: the accepted documents found through db, by id term.
static Xapian::Query checked_by_id(dd_db_t *db, const Xapian::Query &all, const std::string &key,
                                   dd_candidate_check_t check, unsigned id_slot)
{
	Xapian::Enquire enquire(*db->read);
	enquire.set_query(all);
	enquire.set_weighting_scheme(Xapian::BoolWeight());
	enquire.set_docid_order(Xapian::Enquire::ASCENDING);
	Xapian::MSet m = enquire.get_mset(0, db->read->get_doccount());
	std::vector<Xapian::Query> ids;
	for (auto it = m.begin(); it != m.end(); ++it) {
		dd_candidate c{ it.get_document(), {}, {} };
		int r = check(key.c_str(), &c);
		if (r < 0)
			throw std::bad_alloc();
		if (r > 0)
			ids.emplace_back(c.doc.get_value(id_slot));
	}
	if (ids.empty())
		return Xapian::Query::MatchNothing;
	return Xapian::Query(Xapian::Query::OP_FILTER, all,
	                     Xapian::Query(Xapian::Query::OP_OR, ids.begin(), ids.end()));
}

dd_query_t *dd_query_checked(dd_db_t *db, const char *const *terms, size_t n, const char *key,
                             dd_candidate_check_t check, unsigned id_slot)
{
	try {
		std::vector<Xapian::Query> subs;
		std::vector<std::string> distinct;
		for (size_t i = 0; i < n; i++) {
			subs.emplace_back(terms[i]);
			if (std::find(distinct.begin(), distinct.end(), terms[i]) == distinct.end())
				distinct.emplace_back(terms[i]);
		}
		// every term as given, repeats too: weighted as a phrase of them was
		Xapian::Query all(Xapian::Query::OP_AND, subs.begin(), subs.end());
		if (db && db->remote) {
			try {
				return wrap(checked_by_id(db, all, key, check, id_slot));
			} catch (const std::bad_alloc &) {
				return nullptr;
			} catch (...) {
				// a shard that failed fails the search itself, with its message
			}
		}
		std::shared_ptr<CheckMemo> memo;
		if (db && !db->write)
			memo = check_memo(db, key, check);
		auto *source = new CheckedSource(std::move(distinct), key, check, std::move(memo));
		return wrap(Xapian::Query(Xapian::Query::OP_FILTER, all, Xapian::Query(source->release())));
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
		case DD_QUERY_AND:
			xop = Xapian::Query::OP_AND;
			break;
		case DD_QUERY_OR:
			xop = Xapian::Query::OP_OR;
			break;
		case DD_QUERY_AND_NOT:
			xop = Xapian::Query::OP_AND_NOT;
			break;
		case DD_QUERY_AND_MAYBE:
			xop = Xapian::Query::OP_AND_MAYBE;
			break;
		case DD_QUERY_FILTER:
			xop = Xapian::Query::OP_FILTER;
			break;
		case DD_QUERY_SYNONYM:
			xop = Xapian::Query::OP_SYNONYM;
			break;
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

dd_query_t *dd_query_match_all(void)
{
	return wrap(Xapian::Query::MatchAll);
}
dd_query_t *dd_query_match_nothing(void)
{
	return wrap(Xapian::Query::MatchNothing);
}
dd_query_t *dd_query_copy(const dd_query_t *q)
{
	return q ? wrap(q->q) : nullptr;
}
void dd_query_free(dd_query_t *q)
{
	delete q;
}

char *dd_query_describe(const dd_query_t *q)
{
	try {
		return dup_string(q->q.get_description());
	} catch (...) {
		return nullptr;
	}
}

// The weighting of opts on enquire, and its query.
static void prepare(Xapian::Enquire &enquire, const dd_query_t *q, const dd_search_options_t *opts)
{
	enquire.set_query(q->q);
	/* k1 and b as given (ranking.h chooses them); k2, k3 and
	 * min_normlen at Xapian's own defaults */
	if (opts->bm25_k1 > 0 || opts->bm25_b > 0)
		enquire.set_weighting_scheme(Xapian::BM25Weight(opts->bm25_k1, 0, 1, opts->bm25_b, 0.5));
}

// Hits [first, first + count) of a match in relevance order into r, hits
// of equal weight ordered by value slot `slot` rather than by Xapian's
// document number (which depends on the order of indexing and on the
// shards), over an index with a remote shard (a local one lets Xapian
// sort so itself: dd_db_search).  Only ties are read, in the page.  A tie
// may straddle the end of the page, and Xapian then keeps the tied hits of
// lowest document number: the match is asked one hit more than the page,
// and again for more while the hit past the page ties with the page's
// last one.  m holds the first match (made by enquire, which carries the
// match spies); again makes the others.
static void ranked_page(Xapian::MSet m, Xapian::Enquire &again, Xapian::doccount first, Xapian::doccount count,
                        Xapian::doccount asked, Xapian::doccount check, Xapian::doccount docs, unsigned slot,
                        dd_results &r)
{
	Xapian::doccount want = first + count;
	while (want > 0 && m.size() == asked && m.size() > want && m[want].get_weight() == m[want - 1].get_weight() &&
	       asked <= docs) {
		asked = asked > docs / 2 ? docs + 1 : asked * 2;
		m = again.get_mset(0, asked, check > asked ? check : asked);
	}
	if (count == 0 || first >= m.size())
		return;
	struct hit {
		double weight;
		Xapian::docid docid;
		std::string key;
	};
	std::vector<hit> hits;
	Xapian::doccount end = m.size() < want ? m.size() : want, from = first;
	while (from > 0 && m[from - 1].get_weight() == m[from].get_weight())
		from--;
	while (end < m.size() && m[end].get_weight() == m[end - 1].get_weight())
		end++;
	for (Xapian::doccount i = from; i < end; i++) {
		Xapian::MSetIterator it = m[i];
		hits.push_back({ it.get_weight(), *it, std::string() });
		bool tied = (i > from && m[i - 1].get_weight() == it.get_weight()) ||
		            (i + 1 < end && m[i + 1].get_weight() == it.get_weight());
		if (tied)
			hits.back().key = it.get_document().get_value(slot);
	}
	std::stable_sort(hits.begin(), hits.end(), [](const hit &a, const hit &b) {
		return a.weight != b.weight ? a.weight > b.weight : a.key < b.key;
	});
	for (Xapian::doccount i = first - from; i < hits.size() && i < want - from; i++) {
		r.scores.push_back(hits[i].weight);
		r.docids.push_back(hits[i].docid);
	}
}

dd_status_t dd_db_search(dd_db_t *db, const dd_query_t *q, const dd_search_options_t *opts, dd_results_t **out,
                         dd_error_t *err)
{
	*out = nullptr;
	try {
		std::unique_ptr<dd_results> r(new dd_results);
		r->db = *db->read;
		r->path = db->path;
		r->owner = db;
		Xapian::Enquire enquire(*db->read), again(*db->read), counting(*db->read);
		prepare(enquire, q, opts);
		prepare(again, q, opts);
		counting.set_query(q->q);
		if (opts->sort_by_value)
			enquire.set_sort_by_value_then_relevance(opts->sort_slot, opts->sort_descending != 0);
		r->facets.resize(opts->facet_slot_count);
		std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
		// Xapian 1.4 counts a remote shard's hits twice when sorting by
		// value (its matcher shows the hits the shard sent back to the
		// spies again, though the shard counted them): then the facets
		// are counted by a match of their own, in relevance order.
		bool apart = db->remote && opts->sort_by_value;
		for (size_t f = 0; f < opts->facet_slot_count; f++) {
			spies.emplace_back(new Xapian::ValueCountMatchSpy(opts->facet_slots[f]));
			(apart ? counting : enquire).add_matchspy(spies.back().get());
		}
		Xapian::doccount docs = db->read->get_doccount();
		Xapian::doccount check = opts->check_at_least ? static_cast<Xapian::doccount>(opts->check_at_least) : 0;
		if (opts->facet_slot_count)
			check = docs;
		if (apart && opts->facet_slot_count)
			counting.get_mset(0, 0, check);
		// offset and limit are at most DD_SEARCH_MAX_OFFSET (searching.h)
		// or the number of notes: first + count + 1 fits a doccount
		Xapian::doccount first = static_cast<Xapian::doccount>(opts->offset < docs ? opts->offset : docs);
		Xapian::doccount count = static_cast<Xapian::doccount>(opts->limit < docs ? opts->limit : docs);
		if (opts->sort_by_value || !opts->tie_break) {
			Xapian::MSet mset = enquire.get_mset(first, count, check);
			r->total = mset.get_matches_estimated();
			for (auto m = mset.begin(); m != mset.end(); ++m) {
				r->scores.push_back(m.get_weight());
				r->docids.push_back(*m);
			}
		} else if (!db->remote) {
			// Ties by value, sorted by Xapian itself: it reads the value
			// of the candidates that weigh at least the page's last hit
			// (in document order, as a stream), not of every match, and
			// matches once, where matching again for a straddling tie
			// (ranked_page) cost whole matches when many notes weigh the
			// same (copies of one note).  Asked as ranked_page asks, one
			// hit past the page, so the match prunes and estimates alike:
			// the same page, order and total.  Not over a remote shard,
			// whose hits its spies would count twice (above).
			enquire.set_sort_by_relevance_then_value(opts->tie_slot, false);
			Xapian::doccount asked = first + count + 1;
			Xapian::MSet mset = enquire.get_mset(0, asked, check > asked ? check : asked);
			r->total = mset.get_matches_estimated();
			for (Xapian::doccount i = first; i < mset.size() && i < first + count; i++) {
				r->scores.push_back(mset[i].get_weight());
				r->docids.push_back(*mset[i]);
			}
		} else {
			Xapian::doccount asked = first + count + 1;
			Xapian::MSet mset = enquire.get_mset(0, asked, check > asked ? check : asked);
			r->total = mset.get_matches_estimated();
			ranked_page(mset, again, first, count, asked, check, docs, opts->tie_slot, *r);
		}
		for (size_t f = 0; f < spies.size(); f++)
			add_facet_counts(*spies[f], &r->facets[f]);
		*out = r.release();
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), "search");
	}
}

// The documents of a set, as a posting list that weighs nothing: a filter
// that lets Xapian look only at them (skip_to) in another posting list.
class OnlyThese : public Xapian::PostingSource
{
	std::vector<Xapian::docid> docids; // ascending, distinct
	size_t at = 0;
	bool started = false;

      public:
	explicit OnlyThese(std::vector<Xapian::docid> d) : docids(std::move(d)) {}
	Xapian::PostingSource *clone() const override { return new OnlyThese(docids); }
	void init(const Xapian::Database &) override
	{
		at = 0;
		started = false;
	}
	Xapian::doccount get_termfreq_min() const override { return static_cast<Xapian::doccount>(docids.size()); }
	Xapian::doccount get_termfreq_est() const override { return static_cast<Xapian::doccount>(docids.size()); }
	Xapian::doccount get_termfreq_max() const override { return static_cast<Xapian::doccount>(docids.size()); }
	void next(double) override
	{
		if (started)
			at++;
		started = true;
	}
	void skip_to(Xapian::docid did, double) override
	{
		if (!started)
			started = true;
		while (at < docids.size() && docids[at] < did)
			at++;
	}
	bool at_end() const override { return started && at >= docids.size(); }
	Xapian::docid get_docid() const override { return docids[at]; }
	std::string get_description() const override { return "OnlyThese"; }
};

// The largest weight boost gives a note of r's index: its best note's
// weight, found by a match of its own (its bound, get_max_possible, is far
// above what notes get), kept by the handle searched for the next query.
static double boost_most(dd_results_t *r, const dd_query_t *boost, const dd_search_options_t *opts)
{
	std::string key = boost->q.serialise(), uuid = r->db.get_uuid();
	Xapian::rev revision = r->db.get_revision();
	auto *cache = r->owner && !r->owner->write && !uuid.empty() ? &r->owner->boost_most : nullptr;
	if (cache) {
		if (cache->uuid != uuid || cache->revision != revision || cache->of.size() > 1024) {
			cache->of.clear();
			cache->uuid = uuid;
			cache->revision = revision;
		}
		auto known = cache->of.find(key);
		if (known != cache->of.end())
			return known->second;
	}
	Xapian::Enquire best(r->db);
	prepare(best, boost, opts);
	Xapian::MSet top = best.get_mset(0, 1);
	double most = top.empty() ? 0 : top[0].get_weight();
	if (cache)
		cache->of.emplace(key, most);
	return most;
}

// Whether every document matching sub matches q, by q's form: sub is one
// term (weighted or not) that q ORs in somewhere.
static bool term_of(const Xapian::Query &q, const std::string &term)
{
	switch (q.get_type()) {
	case Xapian::Query::LEAF_TERM:
		return *q.get_terms_begin() == term;
	case Xapian::Query::OP_OR:
	case Xapian::Query::OP_SYNONYM:
		for (size_t i = 0; i < q.get_num_subqueries(); i++)
			if (term_of(q.get_subquery(i), term))
				return true;
		return false;
	case Xapian::Query::OP_SCALE_WEIGHT:
	case Xapian::Query::OP_AND_MAYBE: // matches what its first part matches
		return q.get_num_subqueries() > 0 && term_of(q.get_subquery(0), term);
	default:
		return false;
	}
}

static bool matches_within(const Xapian::Query &sub, const Xapian::Query &q)
{
	Xapian::Query leaf = sub;
	while (leaf.get_type() == Xapian::Query::OP_SCALE_WEIGHT && leaf.get_num_subqueries() == 1)
		leaf = leaf.get_subquery(0);
	return leaf.get_type() == Xapian::Query::LEAF_TERM && term_of(q, *leaf.get_terms_begin());
}

dd_status_t dd_results_boost(dd_results_t *r, const dd_query_t *q, const dd_query_t *boost,
                             const dd_search_options_t *opts, size_t candidates, int *whole, dd_error_t *err)
{
	*whole = 0;
	try {
		try {
			// the decider below knows documents by their number in one
			// database: over several shards as one, the caller matches again
			(void)r->db.get_revision();
		} catch (const Xapian::Error &) {
			return DD_OK;
		}
		// any match of the query outside the candidates weighs at most beyond
		double beyond = 0;
		bool all = r->docids.size() <= candidates;
		if (!all) {
			beyond = r->scores[candidates];
			r->docids.resize(candidates);
			r->scores.resize(candidates);
		}
		r->data.clear();
		r->have_data.clear();
		r->value.clear();
		r->ids.clear();
		size_t first = opts->offset, end = opts->offset + opts->limit;
		if (!boost) {
			// the match's own order: whole when it reached past the page
			*whole = all || end <= candidates;
			if (*whole) {
				size_t to = std::min(end, r->docids.size()), from = std::min(first, to);
				r->docids = std::vector<Xapian::docid>(r->docids.begin() + static_cast<long>(from),
				                                       r->docids.begin() + static_cast<long>(to));
				r->scores = std::vector<double>(r->scores.begin() + static_cast<long>(from),
				                                r->scores.begin() + static_cast<long>(to));
			}
			return DD_OK;
		}
		std::vector<double> unboosted = r->scores;
		double most = 0; // the boost's largest possible weight
		{
			// the candidates' boost: the boost filtered by them (the
			// filter weighs nothing)
			std::vector<Xapian::docid> wanted(r->docids);
			std::sort(wanted.begin(), wanted.end());
			wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
			Xapian::Enquire enquire(r->db);
			prepare(enquire, boost, opts);
			enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, boost->q,
			                                Xapian::Query((new OnlyThese(wanted))->release())));
			Xapian::MSet m = enquire.get_mset(0, static_cast<Xapian::doccount>(wanted.size() + 1));
			most = boost_most(r, boost, opts);
			std::unordered_map<Xapian::docid, double> added;
			for (auto it = m.begin(); it != m.end(); ++it)
				added[*it] = it.get_weight();
			for (size_t i = 0; i < r->docids.size(); i++) {
				auto a = added.find(r->docids[i]);
				if (a != added.end())
					r->scores[i] += a->second;
			}
		}
		struct hit {
			double weight;
			Xapian::docid docid;
			std::string key;
			double matched; // the weight r gave it
		};
		std::vector<hit> hits;
		for (size_t i = 0; i < r->docids.size(); i++)
			hits.push_back({ r->scores[i], r->docids[i], std::string(), unboosted[i] });
		std::stable_sort(hits.begin(), hits.end(),
		                 [](const hit &a, const hit &b) { return a.weight > b.weight; });
		// Equal weights by the tie slot, as the match orders them
		// (dd_db_search), where the page can tell.  Hits that weighed the
		// same in r as well are in that order already (the sort is stable).
		for (size_t i = 0; i < hits.size() && i < end;) {
			size_t j = i + 1;
			bool ordered = true;
			while (j < hits.size() && hits[j].weight == hits[i].weight) {
				ordered = ordered && hits[j].matched == hits[i].matched;
				j++;
			}
			if (j - i > 1 && opts->tie_break && !ordered) {
				for (size_t k = i; k < j; k++)
					hits[k].key = r->db.get_document(hits[k].docid, Xapian::DOC_ASSUME_VALID)
					                  .get_value(opts->tie_slot);
				std::stable_sort(hits.begin() + static_cast<long>(i),
				                 hits.begin() + static_cast<long>(j), [](const hit &a, const hit &b) {
					                 return a.key != b.key ? a.key < b.key : a.docid < b.docid;
				                 });
			}
			i = j;
		}
		// Whole when every note outside the candidates, at most beyond + most
		// (most alone when it does not match the query), weighs less than the
		// page's last hit: then no such note belongs on the page.
		if (end <= hits.size())
			*whole = beyond + most < hits[end - 1].weight;
		else
			*whole = all && most == 0;
		if (!*whole)
			return DD_OK;
		// the notes boost matches and the query does not: a count of
		// its own unless the query ORs boost's term in already
		if (most > 0 && !matches_within(boost->q, q->q)) {
			Xapian::Enquire only(r->db);
			only.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT, boost->q, q->q));
			only.set_weighting_scheme(Xapian::BoolWeight());
			// exact as far as the caller asked for (check_at_least)
			Xapian::doccount docs = r->db.get_doccount(), check = static_cast<Xapian::doccount>(
			                                                  std::min<size_t>(opts->check_at_least, docs));
			r->total += only.get_mset(0, 0, check).get_matches_estimated();
		}
		r->docids.clear();
		r->scores.clear();
		for (size_t i = first; i < end && i < hits.size(); i++) {
			r->docids.push_back(hits[i].docid);
			r->scores.push_back(hits[i].weight);
		}
		return DD_OK;
	} catch (...) {
		return failure(err, r->path.c_str(), "search");
	}
}

void dd_results_free(dd_results_t *r)
{
	delete r;
}
size_t dd_results_total(const dd_results_t *r)
{
	return r->total;
}
size_t dd_results_count(const dd_results_t *r)
{
	return r->scores.size();
}
double dd_results_score(const dd_results_t *r, size_t i)
{
	return r->scores[i];
}

// Records the exception being handled as r's first failure, if it is.
static void results_caught(const dd_results_t *r, const char *what)
{
	dd_results *w = const_cast<dd_results *>(r);
	dd_error_t e;
	failure(&e, w->path.c_str(), what);
	if (w->first_failure.status == DD_OK)
		w->first_failure = e;
}

const char *dd_results_data(const dd_results_t *r, size_t i, size_t *len)
{
	dd_results *w = const_cast<dd_results *>(r);
	if (len)
		*len = 0;
	try {
		if (w->data.empty()) {
			w->data.resize(w->docids.size());
			w->have_data.assign(w->docids.size(), 0);
		}
		if (!w->have_data[i]) {
			// a hit of this handle's match: no need to check it exists
			w->data[i] = w->db.get_document(w->docids[i], Xapian::DOC_ASSUME_VALID).get_data();
			w->have_data[i] = 1;
		}
		if (len)
			*len = w->data[i].size();
		return w->data[i].c_str();
	} catch (...) {
		results_caught(r, "read a note found");
		return "";
	}
}

const char *dd_results_value(const dd_results_t *r, size_t i, unsigned slot, size_t *len)
{
	dd_results *w = const_cast<dd_results *>(r);
	if (len)
		*len = 0;
	try {
		if (w->value.empty())
			w->value.resize(w->docids.size());
		w->value[i].clear();
		w->value[i] = w->db.get_document(w->docids[i], Xapian::DOC_ASSUME_VALID).get_value(slot);
		if (len)
			*len = w->value[i].size();
		return w->value[i].c_str();
	} catch (...) {
		results_caught(r, "read a note found");
		return "";
	}
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
		return w->ids[i].c_str();
	} catch (...) {
		results_caught(r, "read a note found");
		return "";
	}
}

dd_status_t dd_results_error(const dd_results_t *r, dd_error_t *err)
{
	if (r->first_failure.status != DD_OK && err)
		*err = r->first_failure;
	return r->first_failure.status;
}

void dd_results_foreach_facet(const dd_results_t *r, size_t f, void (*fn)(const char *, size_t, void *), void *ctx)
{
	if (f >= r->facets.size())
		return;
	for (const auto &kv : r->facets[f].counts)
		fn(kv.first.c_str(), kv.second, ctx);
}

// Relevance feedback keeps only terms with one of the wanted prefixes.
class PrefixDecider : public Xapian::ExpandDecider
{
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
		// exact term frequencies: over shards Xapian would otherwise
		// estimate them from the seeds' shard, and weigh terms otherwise
		// than a single index does
		Xapian::ESet eset = enquire.get_eset(nterms, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &decider);
		std::vector<Xapian::Query> terms;
		for (auto t = eset.begin(); t != eset.end(); ++t)
			terms.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(*t), t.get_weight());
		*out = wrap(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
		return *out ? DD_OK : dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	} catch (...) {
		return failure(err, db->path.c_str(), "find notes like the given ones");
	}
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
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("index ") + idterm);
	}
}

dd_query_t *dd_baseline_ngram_query(const char *query, int phrase)
{
	try {
		Xapian::QueryParser qp;
		qp.set_default_op(Xapian::Query::OP_OR);
		std::string text(query);
		if (phrase)
			text = "\"" + text + "\"";
		return wrap(
		    qp.parse_query(text, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM));
	} catch (...) {
		return nullptr;
	}
}

// ---- spelling ("did you mean") --------------------------------------------
//
// A run's counts: word -> notes added minus notes removed.  Written with
// add_spelling / remove_spelling once per word in dd_spelling_apply.

struct dd_spelling {
	// by word; hashed, as every word of every note of a run passes here
	// (Xapian sorts what add_spelling buffers itself, so order is moot)
	std::unordered_map<std::string, long> delta;
};

// A term that is a word for the spelling data: unprefixed (prefixes are
// upper-case ASCII), at least DD_SPELLING_MIN_CHARS code points, not too
// long, no ASCII digit (numbers are not misspelt words).
static bool spelling_word(const std::string &t)
{
	if (t.empty() || t.size() > DD_SPELLING_MAX_BYTES || (t[0] >= 'A' && t[0] <= 'Z'))
		return false;
	size_t chars = 0;
	for (unsigned char c : t) {
		if (c >= '0' && c <= '9')
			return false;
		chars += (c & 0xC0) != 0x80;
	}
	return chars >= DD_SPELLING_MIN_CHARS;
}

static void spelling_count(dd_spelling_t *s, const Xapian::Document &doc, long by)
{
	const Xapian::TermIterator end = doc.termlist_end();
	std::string term; // one copy of each term (*t makes a new string each time)
	for (auto t = doc.termlist_begin(); t != end; ++t) {
		term = *t;
		if (!term.empty() && term[0] >= 'A' && term[0] <= 'Z') {
			t.skip_to("["); // past every prefixed term at once
			if (t == end)
				break;
			term = *t;
		}
		if (spelling_word(term))
			s->delta[term] += by;
	}
}

dd_spelling_t *dd_spelling_new(void)
{
	try {
		return new dd_spelling;
	} catch (...) {
		return nullptr; // documented: out of memory
	}
}

void dd_spelling_free(dd_spelling_t *s)
{
	delete s;
}

dd_status_t dd_spelling_count_doc(dd_spelling_t *s, const dd_doc_t *doc, dd_error_t *err)
{
	try {
		spelling_count(s, doc->doc, 1);
		return DD_OK;
	} catch (...) {
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
}

dd_status_t dd_spelling_uncount_doc(dd_spelling_t *s, const dd_doc_t *doc, dd_error_t *err)
{
	try {
		spelling_count(s, doc->doc, -1);
		return DD_OK;
	} catch (...) {
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
}

dd_status_t dd_spelling_merge(dd_spelling_t *into, dd_spelling_t *from, dd_error_t *err)
{
	try {
		for (const auto &w : from->delta)
			into->delta[w.first] += w.second;
		from->delta.clear();
		return DD_OK;
	} catch (...) {
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	}
}

dd_status_t dd_spelling_uncount_indexed(dd_spelling_t *s, dd_db_t *db, const char *idterm, dd_error_t *err)
{
	try {
		if (db->building && !db->stored_ids.count(idterm))
			return DD_OK; // a new index holds only what this run stored
		if (db->extras.empty()) {
			Xapian::docid id = find_doc(db, idterm);
			if (id)
				spelling_count(s, db->read->get_document(id), -1);
			return DD_OK;
		}
		dd_status_t st = settle_extras(db, err);
		if (st != DD_OK)
			return st;
		Xapian::WritableDatabase *holder = holder_of(db, idterm);
		Xapian::PostingIterator p;
		if (holder && (p = holder->postlist_begin(idterm)) != holder->postlist_end(idterm))
			spelling_count(s, holder->get_document(*p), -1);
		return DD_OK;
	} catch (const std::bad_alloc &) {
		return dd_error_set(err, DD_ERR_NOMEM, "out of memory");
	} catch (...) {
		return failure(err, db->path.c_str(), std::string("read note ") + (idterm + 1));
	}
}

dd_status_t dd_spelling_apply(dd_spelling_t *s, dd_db_t *db, dd_error_t *err)
{
	try {
		for (const auto &w : s->delta) {
			if (w.second > 0)
				db->write->add_spelling(w.first, (Xapian::termcount)w.second);
			else if (w.second < 0)
				db->write->remove_spelling(w.first, (Xapian::termcount)-w.second);
		}
		s->delta.clear();
		return DD_OK;
	} catch (...) {
		return failure(err, db->path.c_str(), "store the spelling data");
	}
}

// Code points of UTF-8 text (Xapian's decoder).
static std::vector<unsigned> code_points(const std::string &s)
{
	std::vector<unsigned> v;
	for (Xapian::Utf8Iterator i(s); i != Xapian::Utf8Iterator(); ++i)
		v.push_back(*i);
	return v;
}

// Levenshtein distance in code points (one row at a time).
static unsigned edit_distance(const std::vector<unsigned> &a, const std::vector<unsigned> &b)
{
	std::vector<unsigned> row(b.size() + 1);
	for (size_t j = 0; j <= b.size(); j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= a.size(); i++) {
		unsigned diagonal = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= b.size(); j++) {
			unsigned up = row[j];
			unsigned best = std::min(row[j] + 1, row[j - 1] + 1);
			row[j] = std::min(best, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u));
			diagonal = up;
		}
	}
	return row[b.size()];
}

// Xapian's get_spelling_suggestion picks the most frequent word among the
// closest, which on two-character Chinese words is a coin toss: 饮说 is one
// edit from 饮水 and from 听说, and it answers 听说 (28 notes against 27).
// So the closest words of Xapian's spelling data are ranked here: fewest
// edits, then the longest beginning shared with what was typed (a
// mistyped second character is the usual slip), then the most notes.
char *dd_db_spelling_suggestion(dd_db_t *db, const char *word, unsigned max_edit_distance)
{
	try {
		std::vector<unsigned> typed = code_points(word);
		if (typed.size() < DD_SPELLING_MIN_CHARS)
			return nullptr;
		std::string best;
		unsigned best_distance = max_edit_distance + 1;
		size_t best_shared = 0;
		Xapian::doccount best_freq = 0;
		for (auto t = db->read->spellings_begin(); t != db->read->spellings_end(); ++t) {
			std::string w = *t;
			std::vector<unsigned> cand = code_points(w);
			size_t longer = std::max(cand.size(), typed.size()),
			       shorter = std::min(cand.size(), typed.size());
			if (longer - shorter > max_edit_distance)
				continue;
			unsigned d = edit_distance(typed, cand);
			if (d == 0)
				return nullptr; // a word of the index as typed
			if (d > max_edit_distance || d > best_distance)
				continue;
			size_t shared = 0;
			while (shared < shorter && typed[shared] == cand[shared])
				shared++;
			Xapian::doccount freq = t.get_termfreq();
			if (d < best_distance || shared > best_shared || (shared == best_shared && freq > best_freq)) {
				best = w;
				best_distance = d;
				best_shared = shared;
				best_freq = freq;
			}
		}
		return best.empty() ? nullptr : dup_string(best);
	} catch (...) {
		return nullptr; // documented: no suggestion
	}
}

size_t dd_db_spelling_freq(dd_db_t *db, const char *word)
{
	try {
		Xapian::TermIterator t = db->read->spellings_begin();
		t.skip_to(word);
		return t != db->read->spellings_end() && *t == word ? t.get_termfreq() : 0;
	} catch (...) {
		return 0;
	}
}

} // extern "C"
