#include "storage/job_folders.hpp"

#include "../support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>
#include <vector>

using boa::errc;
using boa::storage::job_folders;
using boa::storage::validate_job_id;
using boa::test::temp_dir;

namespace {

const std::vector<std::string> bad_ids = {
    "..",
    "../x",
    "/etc",
    "a/b",
    "",
    ".hidden",
    std::string(200, 'a'),
    std::string("a\0b", 3),
    ".",
    "a\\b",
    "a b",
    "job\n",
    "caf\xc3\xa9",
    std::string(129, 'x'),
};

const std::vector<std::string> good_ids = {
    "a", "job-42", "A.b_c-9", "a..b", "x.", std::string(128, 'z'), "0123456789",
};

} // namespace

BOOST_AUTO_TEST_SUITE(job_folders_suite)

BOOST_AUTO_TEST_CASE(bad_job_ids_are_rejected_with_a_message_saying_what_is_allowed) {
  for (const auto& id : bad_ids)
    BOOST_TEST_CONTEXT("id of " << id.size() << " bytes: " << id) {
      auto valid = validate_job_id(id);
      BOOST_REQUIRE(!valid);
      BOOST_TEST(valid.error().code == errc::invalid_input);
      BOOST_TEST(valid.error().message.find("1 to 128 characters of A-Z, a-z, 0-9") !=
                 std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(good_job_ids_are_accepted) {
  for (const auto& id : good_ids)
    BOOST_TEST_CONTEXT(id) {
      auto valid = validate_job_id(id);
      BOOST_TEST(valid.has_value(), (valid ? "" : valid.error().message));
    }
}

BOOST_AUTO_TEST_CASE(no_folder_operation_accepts_a_bad_job_id) {
  temp_dir tmp;
  job_folders folders(tmp.path() / "jobs");
  for (const auto& id : bad_ids)
    BOOST_TEST_CONTEXT(id) {
      BOOST_TEST(!folders.path_for(id));
      BOOST_TEST(!folders.create(id));
      BOOST_TEST(!folders.remove(id));
    }
  BOOST_TEST(!std::filesystem::exists(tmp.path() / "x"));
  BOOST_TEST(!std::filesystem::exists(tmp.path() / "jobs" / "a"));
}

BOOST_AUTO_TEST_CASE(path_for_names_a_folder_directly_under_the_root) {
  temp_dir tmp;
  job_folders folders(tmp.path() / "jobs");
  auto path = folders.path_for("job-1");
  BOOST_REQUIRE(path);
  BOOST_TEST(*path == tmp.path() / "jobs" / "job-1");
  BOOST_TEST(!std::filesystem::exists(*path)); // naming it does not create it
}

BOOST_AUTO_TEST_CASE(create_makes_the_folder_and_the_root_and_may_be_repeated) {
  temp_dir tmp;
  job_folders folders(tmp.path() / "jobs");
  auto made = folders.create("job-1");
  BOOST_REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
  BOOST_TEST(*made == tmp.path() / "jobs" / "job-1");
  BOOST_TEST(std::filesystem::is_directory(*made));
  std::ofstream(*made / "out.txt") << "kept";
  auto again = folders.create("job-1");
  BOOST_REQUIRE(again);
  BOOST_TEST(std::filesystem::exists(*again / "out.txt"));
}

BOOST_AUTO_TEST_CASE(remove_deletes_the_folder_with_its_contents_and_tolerates_a_missing_one) {
  temp_dir tmp;
  job_folders folders(tmp.path());
  auto made = folders.create("job-1");
  BOOST_REQUIRE(made);
  std::filesystem::create_directory(*made / "sub");
  std::ofstream(*made / "sub" / "f") << "x";
  BOOST_TEST(folders.remove("job-1").has_value());
  BOOST_TEST(!std::filesystem::exists(*made));
  BOOST_TEST(folders.remove("job-1").has_value());
}

BOOST_AUTO_TEST_CASE(a_symlink_in_the_root_pointing_outside_is_refused) {
  temp_dir tmp;
  auto outside = tmp.path() / "outside";
  std::filesystem::create_directories(outside);
  std::ofstream(outside / "precious") << "keep me";
  auto root = tmp.path() / "jobs";
  std::filesystem::create_directories(root);
  std::filesystem::create_directory_symlink(outside, root / "evil");

  job_folders folders(root);
  auto made = folders.create("evil");
  BOOST_REQUIRE(!made);
  BOOST_TEST(made.error().message.find("symbolic link") != std::string::npos);
  BOOST_TEST(!folders.path_for("evil"));
  BOOST_TEST(!folders.remove("evil"));
  BOOST_TEST(std::filesystem::exists(outside / "precious"));
}

BOOST_AUTO_TEST_CASE(removing_a_folder_never_follows_a_symlink_planted_inside_it) {
  // A step may leave anything in its folder, links out of the root included: removing the
  // folder removes the links, never what they point at.
  temp_dir tmp;
  auto outside = tmp.path() / "outside";
  std::filesystem::create_directories(outside / "nested");
  std::ofstream(outside / "precious") << "keep me";
  std::ofstream(outside / "nested" / "deeper") << "keep me too";
  job_folders folders(tmp.path() / "jobs");
  auto made = folders.create("job-1");
  BOOST_REQUIRE(made);
  std::filesystem::create_directory_symlink(outside, *made / "dir-link");
  std::filesystem::create_symlink(outside / "precious", *made / "file-link");
  std::filesystem::create_directories(*made / "sub");
  std::filesystem::create_directory_symlink(outside / "nested", *made / "sub" / "link");

  BOOST_TEST(folders.remove("job-1").has_value());
  BOOST_TEST(!std::filesystem::exists(*made));
  BOOST_TEST(std::filesystem::exists(outside / "precious"));
  BOOST_TEST(std::filesystem::exists(outside / "nested" / "deeper"));
}

BOOST_AUTO_TEST_CASE(a_folder_swapped_for_a_symlink_after_creation_is_refused_from_then_on) {
  temp_dir tmp;
  auto outside = tmp.path() / "outside";
  std::filesystem::create_directories(outside);
  std::ofstream(outside / "precious") << "keep me";
  job_folders folders(tmp.path() / "jobs");
  auto made = folders.create("job-1");
  BOOST_REQUIRE(made);
  std::filesystem::remove(*made);
  std::filesystem::create_directory_symlink(outside, *made);

  BOOST_TEST(!folders.create("job-1"));
  BOOST_TEST(!folders.path_for("job-1"));
  BOOST_TEST(!folders.remove("job-1"));
  BOOST_TEST(std::filesystem::exists(outside / "precious"));
}

BOOST_AUTO_TEST_CASE(a_dangling_symlink_in_the_root_is_refused_and_nothing_is_created_outside) {
  temp_dir tmp;
  auto root = tmp.path() / "jobs";
  std::filesystem::create_directories(root);
  std::filesystem::create_directory_symlink(tmp.path() / "elsewhere", root / "evil");
  job_folders folders(root);
  BOOST_TEST(!folders.create("evil"));
  BOOST_TEST(!std::filesystem::exists(tmp.path() / "elsewhere"));
}

BOOST_AUTO_TEST_CASE(a_file_in_the_place_of_a_job_folder_is_refused) {
  temp_dir tmp;
  std::ofstream(tmp.path() / "job-1") << "not a folder";
  job_folders folders(tmp.path());
  auto made = folders.create("job-1");
  BOOST_REQUIRE(!made);
  BOOST_TEST(made.error().message.find("not a directory") != std::string::npos);
  BOOST_TEST(!folders.remove("job-1"));
  BOOST_TEST(std::filesystem::is_regular_file(tmp.path() / "job-1"));
}

BOOST_AUTO_TEST_CASE(a_root_reached_through_a_symlink_still_works) {
  temp_dir tmp;
  auto real_root = tmp.path() / "real";
  std::filesystem::create_directories(real_root);
  std::filesystem::create_directory_symlink(real_root, tmp.path() / "link");
  job_folders folders(tmp.path() / "link");
  auto made = folders.create("job-1");
  BOOST_REQUIRE_MESSAGE(made, (made ? "" : made.error().message));
  BOOST_TEST(std::filesystem::is_directory(real_root / "job-1"));
}

BOOST_AUTO_TEST_SUITE_END()
