#pragma once

#include "tools/boactl/console.hpp"
#include "tools/boactl/session.hpp"

#include <string>

namespace boa::boactl {

/// `repo push FILE.json [--notes TEXT]`: validates the file here (nothing is sent when it is
/// invalid) and stores it as the next revision of its workflow.
int repo_push(session& s, console& c, const std::string& file, const std::string& notes);

/// `repo list [NAME]`: the workflow names, or the revisions of one.
int repo_list(session& s, console& c, const std::string& name);

/// `repo show NAME[@REV]`: a revision's definition (the latest without `@REV`).
int repo_show(session& s, console& c, const std::string& ref);

} // namespace boa::boactl
