#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// The Prometheus text exposition format, version 0.0.4: the pieces a family is written with.
/// https://prometheus.io/docs/instrumenting/exposition_formats/
namespace boa::metrics::text_format {

/// What a scrape answer is served as.
inline constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

/// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
bool valid_metric_name(std::string_view name);
/// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
bool valid_label_name(std::string_view name);

/// A label value with `\`, `"` and newline escaped as `\\`, `\"` and `\n`.
std::string escape_label_value(std::string_view value);
/// Help text with `\` and newline escaped as `\\` and `\n`.
std::string escape_help(std::string_view help);

/// A sample value: integers as integers, others with enough digits to read back the same double,
/// and `+Inf`, `-Inf`, `NaN`.
std::string format_value(double value);

/// `{a="x",b="y"}` for `names` and `values` (of the same size), plus `extra_name="extra_value"`
/// last when `extra_name` is not empty (a histogram's `le`); empty without any label.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {});

/// Appends `# HELP name help` and `# TYPE name type`.
void write_header(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type);
/// Appends `name{labels} value`.
void write_sample(std::string& out, std::string_view name, std::string_view labels, double value);

} // namespace boa::metrics::text_format
