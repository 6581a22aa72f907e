#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace boa::boactl {

/// Rows of text in aligned columns under a header line, two spaces apart; the last column is
/// not padded, so long text (an error) can run on.
class table {
public:
  explicit table(std::vector<std::string> headers);

  /// A row with as many cells as there are headers (missing cells print empty).
  void add(std::vector<std::string> row);
  bool empty() const { return rows_.empty(); }

  /// Every line starts with `indent`.
  void print(std::ostream& out, std::string_view indent = "") const;

private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

} // namespace boa::boactl
