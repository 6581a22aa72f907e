#include "storage/workflow_repository.hpp"

#include "protocol/json_read.hpp"
#include "protocol/workflow_codec.hpp"
#include "storage/detail/unique_fd.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <random>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace boa::storage {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::size_t max_name_size = 128;
/// Temporary files of a push are `.push-<random>.tmp`: hidden, so never a revision or a name.
constexpr std::string_view temp_prefix = ".push-";
constexpr std::string_view temp_suffix = ".tmp";
/// A temporary file this old was left by a process that died during a push (a push takes
/// milliseconds), so the next push removes it.
constexpr std::time_t stale_temp_seconds = 3600;
/// Revisions a push tries, one after another, when each is taken by a concurrent push.
constexpr int max_claim_attempts = 100000;
constexpr std::size_t names_in_messages = 20;

using detail::unique_fd;

error io_error(const std::string& doing, const fs::path& path, int code) {
  return error(errc::io,
               doing + " '" + path.string() + "': " + std::system_category().message(code));
}

bool allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

/// Text as a message can show it: control and non-ASCII bytes escaped, long text cut short.
std::string shown(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < 40; ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte >= 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out.push_back(text[i]);
    }
  }
  if (text.size() > 40)
    out += "...";
  return out;
}

error bad_name(std::string_view name, const std::string& why) {
  return error(errc::invalid_input,
               "workflow name '" + shown(name) + "' " + why +
                   "; a workflow name is 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-' "
                   "and does not start with '.'");
}

std::string revision_file(std::int64_t revision) {
  return std::to_string(revision) + ".json";
}
std::string meta_file(std::int64_t revision) {
  return std::to_string(revision) + ".meta.json";
}

/// The revision a file named `<revision>.json` holds (decimal, no sign or leading zero).
std::optional<std::int64_t> revision_of(std::string_view file) {
  constexpr std::string_view extension = ".json";
  if (file.size() <= extension.size() || !file.ends_with(extension) || file.front() == '0')
    return std::nullopt;
  auto digits = file.substr(0, file.size() - extension.size());
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n < 1)
    return std::nullopt;
  return n;
}

bool is_temp(std::string_view file) {
  return file.starts_with(temp_prefix) && file.ends_with(temp_suffix);
}

struct dir_closer {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

enum class entry_kind { file, folder, other };

/// Calls `visit(entry name, kind)` for every entry of the folder open as `dir_fd` but '.' and '..';
/// a symbolic link is `other`, whatever it points to.
template <class Visit>
expected<void> each_entry(int dir_fd, const fs::path& folder, Visit&& visit) {
  int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0)
    return io_error("cannot list", folder, errno);
  std::unique_ptr<DIR, dir_closer> dir(::fdopendir(copy));
  if (!dir) {
    int code = errno;
    ::close(copy);
    return io_error("cannot list", folder, code);
  }
  ::rewinddir(dir.get()); // the copy shares its position with `dir_fd`
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0)
        return io_error("cannot list", folder, errno);
      return {};
    }
    std::string_view file = entry->d_name;
    if (file == "." || file == "..")
      continue;
    auto type = entry->d_type;
    if (type == DT_UNKNOWN) { // some file systems leave the type to a stat
      struct stat st;
      if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue; // vanished meanwhile
      type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
    }
    visit(file, type == DT_REG   ? entry_kind::file
                : type == DT_DIR ? entry_kind::folder
                                 : entry_kind::other);
  }
}

/// Removes `file`, a temporary file of a push, if it is old enough to have been left by one that
/// died.
void remove_if_stale(int dir_fd, const std::string& file) {
  struct stat st;
  if (::fstatat(dir_fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      st.st_mtime < std::time(nullptr) - stale_temp_seconds)
    ::unlinkat(dir_fd, file.c_str(), 0); // gone already is as good
}

/// The revisions stored in the folder open as `dir_fd`, oldest first. With `sweep`, also removes
/// the temporary files that pushes which died left behind.
expected<std::vector<std::int64_t>> list_revisions(int dir_fd, const fs::path& folder,
                                                   bool sweep = false) {
  std::vector<std::int64_t> revisions;
  auto listed = each_entry(dir_fd, folder, [&](std::string_view file, entry_kind kind) {
    if (kind != entry_kind::file)
      return;
    if (auto revision = revision_of(file))
      revisions.push_back(*revision);
    else if (sweep && is_temp(file))
      remove_if_stale(dir_fd, std::string(file));
  });
  if (!listed)
    return std::move(listed).error();
  std::sort(revisions.begin(), revisions.end());
  return revisions;
}

/// The repository root opened as a folder; an empty descriptor if it does not exist (and is not to
/// be created).
expected<unique_fd> open_root(const fs::path& root, bool create) {
  if (create) {
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec)
      return error(errc::io,
                   "cannot create workflow repository '" + root.string() + "': " + ec.message());
  }
  unique_fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd && errno == ENOENT && !create)
    return unique_fd();
  if (!fd)
    return io_error("cannot open workflow repository", root, errno);
  return fd;
}

/// The folder of a valid `name` opened relative to the root, never through a symbolic link, so it
/// is always `<root>/<name>`; an empty descriptor if it does not exist (and is not to be created).
expected<unique_fd> open_folder(int root_fd, const fs::path& root, const std::string& name,
                                bool create) {
  auto folder = root / name;
  if (create && ::mkdirat(root_fd, name.c_str(), 0777) != 0 && errno != EEXIST)
    return io_error("cannot create workflow folder", folder, errno);
  unique_fd fd(::openat(root_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd)
    return fd;
  if (errno == ENOENT && !create)
    return unique_fd();
  if (errno == ELOOP || errno == ENOTDIR)
    return error(errc::io, "workflow folder '" + folder.string() +
                               "' is a symbolic link or not a folder; refusing to use it");
  return io_error("cannot open workflow folder", folder, errno);
}

/// The folder of `name` opened for reading; `missing()` gives the error when it (or the root) does
/// not exist.
template <class Missing>
expected<unique_fd> open_existing_folder(const fs::path& root, const std::string& name,
                                         Missing&& missing) {
  auto root_fd = open_root(root, false);
  if (!root_fd)
    return root_fd;
  if (!*root_fd)
    return missing();
  auto folder_fd = open_folder(root_fd->get(), root, name, false);
  if (folder_fd && !*folder_fd)
    return missing();
  return folder_fd;
}

/// The content of `file` in the folder open as `dir_fd`, or nullopt if there is no such file. A
/// symbolic link or anything but a plain file is refused.
expected<std::optional<std::string>> read_file(int dir_fd, const fs::path& folder,
                                               const std::string& file) {
  unique_fd fd(::openat(dir_fd, file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd && errno == ENOENT)
    return std::optional<std::string>();
  if (!fd && errno == ELOOP)
    return error(errc::io, "'" + (folder / file).string() +
                               "' is a symbolic link; refusing to follow it out of the repository");
  if (!fd)
    return io_error("cannot read", folder / file, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    return io_error("cannot read", folder / file, errno);
  if (!S_ISREG(st.st_mode))
    return error(errc::io, "'" + (folder / file).string() + "' is not a plain file");
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return io_error("cannot read", folder / file, errno);
    if (n == 0)
      return std::optional<std::string>(std::move(text));
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

/// Replaces the content of `fd` with `text` and flushes it to stable storage.
expected<void> rewrite(int fd, std::string_view text, const fs::path& path) {
  if (::ftruncate(fd, 0) != 0)
    return io_error("cannot write", path, errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return io_error("cannot write", path, errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0)
    return io_error("cannot flush", path, errno);
  return {};
}

/// A new temporary file in the folder open as `dir_fd`, removed again when this goes away.
class temp_file {
public:
  static expected<temp_file> create(int dir_fd, const fs::path& folder) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    for (int attempt = 0;; ++attempt) {
      char name[40];
      std::snprintf(name, sizeof name, "%.*s%016llx%.*s", static_cast<int>(temp_prefix.size()),
                    temp_prefix.data(), static_cast<unsigned long long>(random()),
                    static_cast<int>(temp_suffix.size()), temp_suffix.data());
      int fd = ::openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0)
        return temp_file(dir_fd, name, unique_fd(fd));
      if (errno != EEXIST || attempt == 10)
        return io_error("cannot create a temporary file in", folder, errno);
    }
  }

  temp_file(temp_file&& other) noexcept
      : dir_fd_(other.dir_fd_), name_(std::move(other.name_)), fd_(std::move(other.fd_)) {
    other.name_.clear();
  }
  temp_file& operator=(temp_file&&) = delete;
  ~temp_file() {
    if (!name_.empty())
      ::unlinkat(dir_fd_, name_.c_str(), 0);
  }

  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }
  /// The file was renamed: there is nothing left to remove.
  void release() { name_.clear(); }

private:
  temp_file(int dir_fd, std::string name, unique_fd fd)
      : dir_fd_(dir_fd), name_(std::move(name)), fd_(std::move(fd)) {}

  int dir_fd_;
  std::string name_;
  unique_fd fd_;
};

/// Stores `text_for(revision)` as `<revision>.json` in the folder open as `dir_fd`, for the first
/// revision from `first` on that no other push has, and returns it. The complete file is written
/// under a temporary name and then linked to `<revision>.json`, which fails if that name exists:
/// the first link wins, a loser tries the next number, and readers never see a partial file.
template <class TextFor>
expected<std::int64_t> claim_revision(int dir_fd, const fs::path& folder, std::int64_t first,
                                      TextFor&& text_for) {
  auto temp = temp_file::create(dir_fd, folder);
  if (!temp)
    return std::move(temp).error();
  auto temp_path = folder / temp->name();
  std::int64_t revision = first;
  for (int attempt = 0;; ++attempt, ++revision) {
    if (auto written = rewrite(temp->fd(), text_for(revision), temp_path); !written)
      return std::move(written).error();
    auto target = revision_file(revision);
    if (::linkat(dir_fd, temp->name().c_str(), dir_fd, target.c_str(), 0) == 0)
      break;
    int code = errno;
    // Over NFS the reply to a link that was made can be lost and the retried request fail with
    // EEXIST: a second link to the temporary file says the revision is ours after all.
    struct stat st;
    if (::fstat(temp->fd(), &st) == 0 && st.st_nlink >= 2)
      break;
    if (code == EPERM || code == EOPNOTSUPP)
      return error(errc::io, "cannot store a revision in '" + folder.string() +
                                 "': the file system refuses hard links (" +
                                 std::system_category().message(code) +
                                 "), which the repository needs to number revisions safely");
    if (code != EEXIST)
      return io_error("cannot store", folder / target, code);
    if (attempt == max_claim_attempts)
      return error(errc::io, "cannot store a revision in '" + folder.string() + "': revisions " +
                                 std::to_string(first) + " to " + std::to_string(revision) +
                                 " are all taken");
  }
  ::fsync(dir_fd); // the new name is durable; failing here loses nothing a crash would not
  return revision;
}

json::object meta_json(const revision_info& info) {
  json::object o;
  o.emplace("v", 1);
  o.emplace("name", info.name);
  o.emplace("revision", info.revision);
  o.emplace("notes", info.notes);
  if (info.pushed_ms)
    o.emplace("pushed_ms", *info.pushed_ms);
  if (!info.pushed_by.empty())
    o.emplace("pushed_by", info.pushed_by);
  return o;
}

/// Writes the metadata of a revision this push owns: complete, or not at all.
expected<void> write_meta(int dir_fd, const fs::path& folder, const revision_info& info) {
  auto temp = temp_file::create(dir_fd, folder);
  if (!temp)
    return std::move(temp).error();
  auto text = json::serialize(meta_json(info));
  text += '\n';
  if (auto written = rewrite(temp->fd(), text, folder / temp->name()); !written)
    return written;
  auto target = meta_file(info.revision);
  if (::renameat(dir_fd, temp->name().c_str(), dir_fd, target.c_str()) != 0)
    return io_error("cannot store", folder / target, errno);
  temp->release();
  ::fsync(dir_fd);
  return {};
}

/// `info` completed with the metadata `write_meta` wrote.
expected<revision_info> read_meta(std::string_view text, const fs::path& path, revision_info info) {
  std::vector<protocol::problem> problems;
  auto parsed = protocol::parse_json(text);
  if (!parsed) {
    problems.push_back(std::move(parsed).error());
  } else {
    protocol::json_reader r(problems);
    protocol::json_path at;
    if (const auto* obj = r.object(*parsed, at)) {
      if (const auto* m = r.member(*obj, at, "notes"))
        if (auto s = r.string(*m, at / "notes"))
          info.notes = *s;
      if (const auto* m = r.member(*obj, at, "pushed_by"))
        if (auto s = r.string(*m, at / "pushed_by"))
          info.pushed_by = *s;
      if (const auto* m = r.member(*obj, at, "pushed_ms"))
        info.pushed_ms = r.integer(*m, at / "pushed_ms");
    }
  }
  if (problems.empty())
    return info;
  std::string message;
  for (const auto& p : problems)
    message += (message.empty() ? "" : "\n") + path.string() + ": " + protocol::to_string(p);
  return error(errc::corrupt, std::move(message));
}

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

expected<void> validate_workflow_name(std::string_view name) {
  if (name.empty())
    return bad_name(name, "is empty");
  if (name.size() > max_name_size)
    return bad_name(name, "is " + std::to_string(name.size()) + " characters long");
  if (name.front() == '.')
    return bad_name(name, "starts with '.'");
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!allowed(name[i]))
      return bad_name(name,
                      "holds '" + shown(name.substr(i, 1)) + "' at position " + std::to_string(i));
  return {};
}

workflow_repository::workflow_repository(std::filesystem::path root, clock now_ms)
    : root_(std::move(root)), now_ms_(std::move(now_ms)) {
  std::error_code ec;
  if (auto absolute = fs::absolute(root_, ec); !ec)
    root_ = absolute.lexically_normal();
  if (!now_ms_)
    now_ms_ = system_now_ms;
}

expected<pushed_revision> workflow_repository::push(std::string_view definition,
                                                    std::string_view notes,
                                                    const push_origin& origin) {
  std::string label = origin.source;
  protocol::workflow_decoding decoded;
  if (auto parsed = protocol::parse_json(definition); !parsed) {
    decoded.problems.push_back(std::move(parsed).error());
  } else {
    if (const auto* obj = parsed->if_object(); obj && label.empty())
      if (const auto* name = obj->if_contains("name"); name && name->is_string())
        label = "workflow '" + shown(name->get_string()) + "'";
    decoded = protocol::decode_workflow(*parsed);
  }
  if (label.empty())
    label = "workflow definition";

  pushed_revision out;
  std::string errors;
  for (const auto& p : decoded.problems) {
    auto line = label + ": " + protocol::to_string(p);
    if (p.warning)
      out.warnings.push_back(std::move(line));
    else
      errors += (errors.empty() ? "" : "\n") + line;
  }
  if (!decoded.ok())
    return error(errc::invalid_input,
                 errors.empty() ? label + ": invalid workflow definition" : errors);
  const std::string& name = decoded.workflow->def.name;
  if (auto valid = validate_workflow_name(name); !valid)
    return error(errc::invalid_input, label + ": name: " + valid.error().message);

  // Stored as given, but for the revision, which follows the name.
  const auto& source = decoded.workflow->source;
  json::object stored;
  stored.reserve(source.size() + 1);
  stored.emplace("name", name);
  stored.emplace("revision", 0);
  for (const auto& [key, value] : source)
    if (key != "name" && key != "revision")
      stored.emplace(key, value);

  auto root_fd = open_root(root_, true);
  if (!root_fd)
    return std::move(root_fd).error();
  auto folder_fd = open_folder(root_fd->get(), root_, name, true);
  if (!folder_fd)
    return std::move(folder_fd).error();
  auto folder = root_ / name;
  auto existing = list_revisions(folder_fd->get(), folder, true);
  if (!existing)
    return std::move(existing).error();
  auto revision =
      claim_revision(folder_fd->get(), folder, existing->empty() ? 1 : existing->back() + 1,
                     [&stored](std::int64_t n) {
                       stored["revision"] = n;
                       return json::serialize(stored) + '\n';
                     });
  if (!revision)
    return std::move(revision).error();
  stored["revision"] = *revision;

  out.info = revision_info{name, *revision, std::string(notes), origin.pushed_by, now_ms_()};
  auto meta = write_meta(folder_fd->get(), folder, out.info);
  if (!meta)
    out.warnings.push_back(label + ": revision " + std::to_string(*revision) +
                           " is stored, but not its notes: " + meta.error().message);

  auto pinned = std::make_shared<protocol::pinned_workflow>(*decoded.workflow);
  pinned->def.revision = *revision;
  pinned->source = std::move(stored);
  pinned->source_text.clear(); // the pushed text lacks the revision; jobs carry `source`
  std::lock_guard lock(mutex_);
  key k{name, *revision};
  out.workflow = workflows_.emplace(k, std::move(pinned)).first->second;
  if (meta)
    infos_.emplace(k, out.info);
  return out;
}

expected<std::vector<std::string>> workflow_repository::names() const {
  std::vector<std::string> out;
  auto root_fd = open_root(root_, false);
  if (!root_fd)
    return std::move(root_fd).error();
  if (!*root_fd)
    return out;
  auto listed = each_entry(root_fd->get(), root_, [&](std::string_view file, entry_kind kind) {
    if (kind != entry_kind::folder || !validate_workflow_name(file))
      return;
    std::string name(file);
    auto folder_fd = open_folder(root_fd->get(), root_, name, false);
    if (!folder_fd || !*folder_fd)
      return;
    auto revisions = list_revisions(folder_fd->get(), root_ / name);
    if (revisions && !revisions->empty())
      out.push_back(std::move(name));
  });
  if (!listed)
    return std::move(listed).error();
  std::sort(out.begin(), out.end());
  return out;
}

error workflow_repository::unknown_name(std::string_view name) const {
  std::string message =
      "workflow '" + shown(name) + "' is not in the repository '" + root_.string() + "'";
  auto known = names();
  if (!known)
    return error(errc::not_found, message);
  if (known->empty())
    return error(errc::not_found, message + ", which is empty");
  message += "; it holds ";
  for (std::size_t i = 0; i < known->size() && i < names_in_messages; ++i)
    message += (i ? ", '" : "'") + (*known)[i] + "'";
  if (known->size() > names_in_messages)
    message += " and " + std::to_string(known->size() - names_in_messages) + " more";
  return error(errc::not_found, message);
}

error workflow_repository::unknown_revision(int folder_fd, const std::string& name,
                                            std::int64_t revision) const {
  auto revisions = list_revisions(folder_fd, root_ / name);
  if (!revisions)
    return std::move(revisions).error();
  if (revisions->empty())
    return unknown_name(name);
  return error(errc::not_found, "workflow '" + name + "' has no revision " +
                                    std::to_string(revision) + "; its latest is revision " +
                                    std::to_string(revisions->back()));
}

expected<protocol::workflow_ptr> workflow_repository::load(int folder_fd, const std::string& name,
                                                           std::int64_t revision) const {
  key k{name, revision};
  {
    std::lock_guard lock(mutex_);
    if (auto it = workflows_.find(k); it != workflows_.end())
      return it->second;
  }
  auto folder = root_ / name;
  auto file = revision_file(revision);
  auto text = read_file(folder_fd, folder, file);
  if (!text)
    return std::move(text).error();
  if (!*text)
    return unknown_revision(folder_fd, name, revision);
  auto path = (folder / file).string();
  auto decoded = protocol::parse_workflow(**text);
  if (!decoded.ok()) {
    std::string message;
    for (const auto& p : decoded.problems)
      if (!p.warning)
        message += (message.empty() ? "" : "\n") + path + ": " + protocol::to_string(p);
    return error(errc::corrupt, message.empty() ? path + ": invalid workflow definition" : message);
  }
  const auto& def = decoded.workflow->def;
  if (def.name != name || def.revision != revision)
    return error(errc::corrupt, path + ": holds workflow '" + def.name + "' revision " +
                                    (def.revision ? std::to_string(*def.revision) : "(none)") +
                                    ", not '" + name + "' revision " + std::to_string(revision));
  std::lock_guard lock(mutex_);
  return workflows_.emplace(k, std::move(decoded.workflow)).first->second;
}

expected<revision_info> workflow_repository::load_info(int folder_fd, const std::string& name,
                                                       std::int64_t revision) const {
  key k{name, revision};
  {
    std::lock_guard lock(mutex_);
    if (auto it = infos_.find(k); it != infos_.end())
      return it->second;
  }
  auto folder = root_ / name;
  struct stat st;
  if (::fstatat(folder_fd, revision_file(revision).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT)
      return io_error("cannot inspect", folder / revision_file(revision), errno);
    return unknown_revision(folder_fd, name, revision);
  }
  revision_info info{name, revision, {}, {}, std::nullopt};
  auto file = meta_file(revision);
  auto text = read_file(folder_fd, folder, file);
  if (!text)
    return std::move(text).error();
  if (!*text)
    return info; // a push that died before writing it, or a revision placed by hand
  auto read = read_meta(**text, folder / file, std::move(info));
  if (!read)
    return std::move(read).error();
  std::lock_guard lock(mutex_);
  return infos_.emplace(k, std::move(*read)).first->second;
}

expected<std::vector<revision_info>> workflow_repository::revisions(std::string_view name) const {
  if (auto valid = validate_workflow_name(name); !valid)
    return std::move(valid).error();
  std::string n(name);
  auto folder_fd = open_existing_folder(root_, n, [&] { return unknown_name(name); });
  if (!folder_fd)
    return std::move(folder_fd).error();
  auto revisions = list_revisions(folder_fd->get(), root_ / n);
  if (!revisions)
    return std::move(revisions).error();
  if (revisions->empty())
    return unknown_name(name);
  std::vector<revision_info> out;
  out.reserve(revisions->size());
  for (auto revision : *revisions) {
    auto info = load_info(folder_fd->get(), n, revision);
    if (!info)
      return std::move(info).error();
    out.push_back(std::move(*info));
  }
  return out;
}

expected<revision_info> workflow_repository::info(std::string_view name,
                                                  std::int64_t revision) const {
  if (auto valid = validate_workflow_name(name); !valid)
    return std::move(valid).error();
  std::string n(name);
  {
    std::lock_guard lock(mutex_);
    if (auto it = infos_.find(key{n, revision}); it != infos_.end())
      return it->second;
  }
  auto folder_fd = open_existing_folder(root_, n, [&] { return unknown_name(name); });
  if (!folder_fd)
    return std::move(folder_fd).error();
  return load_info(folder_fd->get(), n, revision);
}

expected<protocol::workflow_ptr> workflow_repository::latest(std::string_view name) const {
  if (auto valid = validate_workflow_name(name); !valid)
    return std::move(valid).error();
  std::string n(name);
  auto folder_fd = open_existing_folder(root_, n, [&] { return unknown_name(name); });
  if (!folder_fd)
    return std::move(folder_fd).error();
  auto revisions = list_revisions(folder_fd->get(), root_ / n);
  if (!revisions)
    return std::move(revisions).error();
  if (revisions->empty())
    return unknown_name(name);
  return load(folder_fd->get(), n, revisions->back());
}

expected<protocol::workflow_ptr> workflow_repository::get(std::string_view name,
                                                          std::int64_t revision) const {
  if (auto valid = validate_workflow_name(name); !valid)
    return std::move(valid).error();
  if (revision < 1)
    return error(errc::invalid_input, "workflow '" + std::string(name) + "': revision " +
                                          std::to_string(revision) +
                                          " does not exist; revisions count from 1");
  std::string n(name);
  {
    std::lock_guard lock(mutex_);
    if (auto it = workflows_.find(key{n, revision}); it != workflows_.end())
      return it->second;
  }
  auto folder_fd = open_existing_folder(root_, n, [&] { return unknown_name(name); });
  if (!folder_fd)
    return std::move(folder_fd).error();
  return load(folder_fd->get(), n, revision);
}

expected<protocol::workflow_ptr> workflow_repository::resolve(std::string_view ref) const {
  auto at = ref.rfind('@');
  if (at == std::string_view::npos)
    return latest(ref);
  auto digits = ref.substr(at + 1);
  std::int64_t revision = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), revision);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || revision < 1)
    return error(errc::invalid_input, "workflow reference '" + shown(ref) +
                                          "' must be a workflow name or name@revision, e.g. "
                                          "'billing' or 'billing@3'");
  return get(ref.substr(0, at), revision);
}

} // namespace boa::storage
