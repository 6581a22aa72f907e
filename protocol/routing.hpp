#pragma once

#include "protocol/workflow.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace boa::protocol {

/// The result a failed step routes on. It matches only an explicit "error" entry, never "*".
inline constexpr std::string_view error_result = "error";

/// The routing result of a step's return value: for an object, the first present of `exit`, `code`,
/// `return`, `return-code`, `exit-code`; any other value is the result itself. Strings are
/// lower-cased, numbers and booleans printed; null, arrays and objects without those keys give "".
std::string extract_result(const boost::json::value& returned);

/// The properties a step's return contributes to the job: an object's `properties` member when it
/// is an object, otherwise the object without its result keys; nothing for non-objects.
properties returned_properties(const boost::json::value& returned);

/// Step ids the result leads to, in `next` order: only the first match unless `all` (a parallel
/// step). "error" matches only explicit "error" entries; other results match equal strings
/// (case-insensitive) and "*".
std::vector<std::string> route(const step& s, std::string_view result, bool all);

/// Shallow merge: every member of `source` overwrites the one in `target`.
void merge_into(properties& target, const properties& source);

} // namespace boa::protocol
