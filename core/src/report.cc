#include "doppel/core/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include "doppel/core/date.h"
#include "doppel/core/writers.h"

namespace doppel::core {

namespace {

// ---- numbers ---------------------------------------------------------------

// part / whole, 0 when there is nothing to divide by.
double Share(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// printf-formatted text ("C" locale rules: snprintf never groups digits).
template <typename... Args>
std::string Format(const char* format, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

// 0.12345 -> "0.1235"; "" for NaN and infinities.
std::string Fixed4(double v) { return std::isfinite(v) ? Format("%.4f", v) : std::string(); }

// 0.123 -> "12.3%".
std::string PercentOf(double share) { return std::isfinite(share) ? Format("%.1f%%", 100.0 * share) : "-"; }

// "2026-12-04 09:30 UTC" for milliseconds since the epoch; "" for 0 (unknown).
std::string UtcTime(int64_t ms) {
  if (ms == 0) return "";
  constexpr int64_t kMsPerMinute = 60'000, kMinutesPerDay = 24 * 60;
  int64_t minutes = ms / kMsPerMinute - (ms % kMsPerMinute < 0 ? 1 : 0);
  int64_t days = minutes / kMinutesPerDay - (minutes % kMinutesPerDay < 0 ? 1 : 0);
  int64_t minute_of_day = minutes - days * kMinutesPerDay;
  CivilDate d = CivilFromDays(days);
  return Format("%04d-%02d-%02d %02d:%02d UTC", d.year, d.month, d.day, static_cast<int>(minute_of_day / 60),
                static_cast<int>(minute_of_day % 60));
}

// ---- JSON ------------------------------------------------------------------

void WriteQuality(JsonWriter& j, const QualityFigures& q) {
  j.BeginObject();
  j.Field("entities", q.entities);
  j.Field("with_valid_phone", q.with_valid_phone)
      .Field("with_valid_phone_share", Share(q.with_valid_phone, q.entities));
  j.Field("with_valid_email", q.with_valid_email)
      .Field("with_valid_email_share", Share(q.with_valid_email, q.entities));
  j.Field("reachable", q.reachable).Field("reachable_share", Share(q.reachable, q.entities));
  j.Field("stale", q.stale).Field("stale_share", Share(q.stale, q.entities));
  j.Field("never_verified", q.never_verified).Field("never_verified_share", Share(q.never_verified, q.entities));
  j.Field("unreachable", q.unreachable).Field("unreachable_share", Share(q.unreachable, q.entities));
  j.Field("suppressed_contacts", q.suppressed_contacts);
  j.Field("mean_staleness", q.mean_staleness);
  j.EndObject();
}

void WriteOutcomes(JsonWriter& j, const OutcomeCounts& o) {
  uint64_t total = o.total();
  j.BeginObject();
  j.Field("total", total);
  j.Field("confirmed", o.confirmed).Field("confirmed_share", Share(o.confirmed, total));
  j.Field("updated", o.updated).Field("updated_share", Share(o.updated, total));
  j.Field("unreachable", o.unreachable).Field("unreachable_share", Share(o.unreachable, total));
  j.Field("wrong_person", o.wrong_person).Field("wrong_person_share", Share(o.wrong_person, total));
  j.Field("do_not_call", o.do_not_call).Field("do_not_call_share", Share(o.do_not_call, total));
  j.EndObject();
}

void WriteHealth(JsonWriter& j, const BaseHealth& h) {
  j.BeginObject();
  j.Field("records", h.records);
  j.Field("entities", h.entities);
  j.Field("duplicates_merged", h.duplicates_merged).Field("duplicates_share", Share(h.duplicates_merged, h.records));
  j.Field("phones", h.phones);
  j.Field("phones_valid", h.phones_valid).Field("phones_valid_share", Share(h.phones_valid, h.phones));
  j.Field("phones_unallocated", h.phones_unallocated)
      .Field("phones_unallocated_share", Share(h.phones_unallocated, h.phones));
  j.Field("phones_suppressed", h.phones_suppressed)
      .Field("phones_suppressed_share", Share(h.phones_suppressed, h.phones));
  j.Field("emails", h.emails);
  j.Field("emails_suppressed", h.emails_suppressed)
      .Field("emails_suppressed_share", Share(h.emails_suppressed, h.emails));
  j.Field("suppression_entries", h.suppression_entries);
  j.EndObject();
}

void WriteSegment(JsonWriter& j, const SegmentReport& s) {
  j.BeginObject();
  j.Field("name", s.name);
  j.Field("description", s.description);
  j.Key("quality");
  WriteQuality(j, s.quality);
  j.Key("outcomes");
  WriteOutcomes(j, s.outcomes);
  j.Field("decay_per_year", s.decay_per_year);
  j.Field("decay_estimated", s.decay_estimated);
  j.Field("recommended_reverify_days", s.recommended_reverify_days);
  j.Field("recommendation", s.recommendation);
  j.EndObject();
}

// ---- CSV -------------------------------------------------------------------

constexpr std::string_view kCsvHeader =
    "segment,description,entities,reachable,reachable_share,stale,stale_share,never_verified,unreachable,"
    "suppressed_contacts,mean_staleness,confirmed,updated,unreachable_calls,wrong_person,do_not_call,"
    "decay_per_year,decay_estimated,recommended_reverify_days\n";

// The columns from "segment" to "do_not_call"; the decay columns follow.
std::vector<std::string> CsvFigures(std::string_view name, std::string_view description, const QualityFigures& q,
                                    const OutcomeCounts& o) {
  return {std::string(name),
          std::string(description),
          std::to_string(q.entities),
          std::to_string(q.reachable),
          Fixed4(Share(q.reachable, q.entities)),
          std::to_string(q.stale),
          Fixed4(Share(q.stale, q.entities)),
          std::to_string(q.never_verified),
          std::to_string(q.unreachable),
          std::to_string(q.suppressed_contacts),
          Fixed4(q.mean_staleness),
          std::to_string(o.confirmed),
          std::to_string(o.updated),
          std::to_string(o.unreachable),
          std::to_string(o.wrong_person),
          std::to_string(o.do_not_call)};
}

void AppendRow(std::string& out, const std::vector<std::string>& fields) {
  std::vector<std::string_view> views(fields.begin(), fields.end());
  AppendCsvRow(out, views);
}

// ---- HTML ------------------------------------------------------------------

constexpr std::string_view kCss = R"css(
body{font-family:system-ui,sans-serif;color:#222;background:#fafafa;margin:0 auto;max-width:1100px;padding:1.5em}
h1{font-size:1.6em;margin:0 0 .2em}
h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
.meta{color:#666;margin:.2em 0}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:.6em;margin:0}
.figure{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:.6em .8em}
.figure dt{color:#666;font-size:.85em}
.figure dd{margin:0;font-size:1.35em;font-weight:600}
.figure .note{color:#666;font-size:.65em;font-weight:400}
.scroll{overflow-x:auto}
table{border-collapse:collapse;background:#fff;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #e3e3e3;padding:.35em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}
th{background:#f0f0f0}
small{color:#666}
svg{display:block;max-width:100%;height:auto;margin:.6em 0}
svg text{font-size:13px;fill:#333}
svg .bar{fill:#3b6ea5}
svg .track{fill:#eee}
)css";

// Appends s with & < > " ' replaced by entities, so data can't break markup.
void AppendEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
}

std::string Escaped(std::string_view s) {
  std::string out;
  AppendEscaped(out, s);
  return out;
}

// <tag>escaped text</tag>
void AppendElement(std::string& out, std::string_view tag, std::string_view text) {
  out += '<';
  out += tag;
  out += '>';
  AppendEscaped(out, text);
  out += "</";
  out += tag;
  out += '>';
}

// One headline figure: a label, a value and an optional note ("12.3% of phones").
void AppendFigure(std::string& out, std::string_view label, std::string_view value, std::string_view note = {}) {
  out += "<div class=\"figure\"><dt>";
  AppendEscaped(out, label);
  out += "</dt><dd>";
  AppendEscaped(out, value);
  if (!note.empty()) {
    out += " <span class=\"note\">";
    AppendEscaped(out, note);
    out += "</span>";
  }
  out += "</dd></div>\n";
}

// One bar of a horizontal bar chart.
struct Bar {
  std::string label;       // left of the bar, shortened to fit
  std::string data_value;  // the number the bar shows, for data-value
  std::string text;        // right of the bar ("12 (34.5%)")
  double fraction = 0;     // bar length, 0..1 of the full width
};

// s cut to at most max_chars code points, with "..." when cut (UTF-8 safe:
// never splits a multi-byte character).
std::string Shortened(std::string_view s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool starts_char = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (starts_char && ++chars > max_chars) return std::string(s.substr(0, i)) + "...";
  }
  return std::string(s);
}

// An inline SVG horizontal bar chart: label | bar | value text, one row each.
void AppendBarChart(std::string& out, std::string_view title, const std::vector<Bar>& bars) {
  constexpr int kLabelWidth = 200, kBarWidth = 380, kTextWidth = 140, kRow = 28, kBarHeight = 18, kPad = 6;
  constexpr int kWidth = kLabelWidth + kBarWidth + kTextWidth;
  constexpr size_t kLabelChars = 24;  // what fits kLabelWidth at 13px
  const int height = static_cast<int>(bars.size()) * kRow + 2 * kPad;
  out += Format("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\">",
                kWidth, height, kWidth, height);
  AppendElement(out, "title", title);
  out += '\n';
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    double fraction = std::isfinite(b.fraction) ? std::clamp(b.fraction, 0.0, 1.0) : 0.0;
    int top = kPad + static_cast<int>(i) * kRow;
    int baseline = top + kRow / 2 + 4;
    int bar_top = top + (kRow - kBarHeight) / 2;
    out += Format("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", kLabelWidth - 8, baseline);
    AppendEscaped(out, Shortened(b.label, kLabelChars));
    out += "</text>";
    out += Format("<rect class=\"track\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", kLabelWidth, bar_top,
                  kBarWidth, kBarHeight);
    out += "<rect class=\"bar\" data-value=\"";
    AppendEscaped(out, b.data_value);
    out += Format("\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>", kLabelWidth, bar_top, fraction * kBarWidth,
                  kBarHeight);
    out += Format("<text x=\"%d\" y=\"%d\">", kLabelWidth + kBarWidth + 8, baseline);
    AppendEscaped(out, b.text);
    out += "</text>\n";
  }
  out += "</svg>\n";
}

// <tr><th>header</th><td>cell</td>...</tr> with escaped cells.
void AppendTableRow(std::string& out, std::string_view header, const std::vector<std::string>& cells) {
  out += "<tr>";
  AppendElement(out, "th", header);
  for (const std::string& c : cells) {
    out += "<td class=\"num\">";
    AppendEscaped(out, c);
    out += "</td>";
  }
  out += "</tr>\n";
}

void AppendHeader(std::string& out, const Report& r) {
  out += "<header>";
  AppendElement(out, "h1", r.title);
  out += '\n';
  if (!r.today.empty()) {
    out += "<p class=\"meta\">Reference date: ";
    AppendEscaped(out, r.today);
    out += "</p>\n";
  }
  if (std::string when = UtcTime(r.generated_ms); !when.empty()) {
    out += "<p class=\"meta\">Figures taken: " + Escaped(when) + "</p>\n";
  }
  if (!r.policy.empty()) {
    out += "<p class=\"meta\">Staleness policy: ";
    AppendEscaped(out, r.policy);
    out += "</p>\n";
  }
  out += "</header>\n";
}

// "12.3% of phones"; "" when there is nothing to take a share of.
std::string ShareNote(uint64_t part, uint64_t whole, std::string_view of) {
  return whole == 0 ? std::string() : Percent(part, whole) + " of " + std::string(of);
}

void AppendHealth(std::string& out, const Report& r) {
  const BaseHealth& h = r.health;
  const QualityFigures& q = r.quality;
  out += "<section id=\"health\">\n<h2>Base health</h2>\n<dl class=\"figures\">\n";
  AppendFigure(out, "Records", WithThousands(h.records));
  AppendFigure(out, "Entities", WithThousands(h.entities));
  AppendFigure(out, "Duplicates merged", WithThousands(h.duplicates_merged),
               ShareNote(h.duplicates_merged, h.records, "records"));
  AppendFigure(out, "Phones", WithThousands(h.phones));
  AppendFigure(out, "Phones valid", WithThousands(h.phones_valid), ShareNote(h.phones_valid, h.phones, "phones"));
  AppendFigure(out, "Phones unallocated", WithThousands(h.phones_unallocated),
               ShareNote(h.phones_unallocated, h.phones, "phones"));
  AppendFigure(out, "Phones suppressed", WithThousands(h.phones_suppressed),
               ShareNote(h.phones_suppressed, h.phones, "phones"));
  AppendFigure(out, "Emails", WithThousands(h.emails));
  AppendFigure(out, "Emails suppressed", WithThousands(h.emails_suppressed),
               ShareNote(h.emails_suppressed, h.emails, "emails"));
  AppendFigure(out, "Suppression list entries", WithThousands(h.suppression_entries));
  out += "</dl>\n<h3>Contact quality now</h3>\n<dl class=\"figures\">\n";
  const std::pair<const char*, uint64_t> counts[] = {{"Reachable", q.reachable},
                                                     {"With a valid phone", q.with_valid_phone},
                                                     {"With a valid email", q.with_valid_email},
                                                     {"Stale", q.stale},
                                                     {"Never verified", q.never_verified},
                                                     {"Unreachable", q.unreachable}};
  for (const auto& [label, n] : counts) {
    AppendFigure(out, label, WithThousands(n), ShareNote(n, q.entities, "entities"));
  }
  AppendFigure(out, "Mean staleness", Fixed4(q.mean_staleness), "0 fresh .. 1 outdated");
  out += "</dl>\n</section>\n";
}

std::vector<Bar> OutcomeBars(const OutcomeCounts& o) {
  const std::pair<const char*, uint64_t> counts[] = {{"Confirmed", o.confirmed},
                                                     {"Updated", o.updated},
                                                     {"Unreachable", o.unreachable},
                                                     {"Wrong person", o.wrong_person},
                                                     {"Do not call", o.do_not_call}};
  uint64_t total = o.total();
  uint64_t largest = 0;
  for (const auto& [label, n] : counts) largest = std::max(largest, n);
  std::vector<Bar> bars;
  for (const auto& [label, n] : counts) {
    bars.push_back({label, std::to_string(n), WithThousands(n) + " (" + Percent(n, total) + ")", Share(n, largest)});
  }
  return bars;
}

void AppendCampaign(std::string& out, const Report& r) {
  out += "<section id=\"campaign\">\n<h2>Campaign outcomes</h2>\n";
  out += "<p>" + WithThousands(r.campaign.total()) + " call outcomes recorded.</p>\n";
  AppendBarChart(out, "Call outcomes: count and share of all outcomes", OutcomeBars(r.campaign));
  // The same per segment: the share of each outcome among the segment's calls.
  bool any = false;
  for (const SegmentReport& s : r.segments) any |= s.outcomes.total() > 0;
  if (any) {
    out += "<h3>Per segment</h3>\n<div class=\"scroll\"><table id=\"campaign-segments\">\n<tr><th>Segment</th>"
           "<th>Calls</th><th>Confirmed</th><th>Updated</th><th>Unreachable</th><th>Wrong person</th>"
           "<th>Do not call</th></tr>\n";
    for (const SegmentReport& s : r.segments) {
      const OutcomeCounts& o = s.outcomes;
      out += "<tr><td>" + Escaped(s.name) + "</td>";
      for (const std::string& cell :
           {WithThousands(o.total()), Percent(o.confirmed, o.total()), Percent(o.updated, o.total()),
            Percent(o.unreachable, o.total()), Percent(o.wrong_person, o.total()), Percent(o.do_not_call, o.total())}) {
        out += "<td class=\"num\">" + Escaped(cell) + "</td>";
      }
      out += "</tr>\n";
    }
    out += "</table></div>\n";
  }
  out += "</section>\n";
}

void AppendSegmentRow(std::string& out, const SegmentReport& s) {
  const QualityFigures& q = s.quality;
  out += "<tr><td><strong>" + Escaped(s.name) + "</strong>";
  if (!s.description.empty()) out += "<br><small>" + Escaped(s.description) + "</small>";
  out += "</td>";
  auto num = [&out](const std::string& text) { out += "<td class=\"num\">" + Escaped(text) + "</td>"; };
  num(WithThousands(q.entities));
  num(Percent(q.reachable, q.entities));
  num(Percent(q.stale, q.entities));
  num(Percent(q.never_verified, q.entities));
  num(Percent(q.unreachable, q.entities));
  num(Fixed4(q.mean_staleness));
  num(WithThousands(s.outcomes.total()));
  num(s.decay_estimated ? PercentOf(s.decay_per_year) : "default");
  num(s.recommended_reverify_days > 0 ? std::to_string(s.recommended_reverify_days) + " days" : "-");
  out += "</tr>\n";  // the recommendation is in its own section
}

// Bars of the stale share per segment, on a 0..100% scale; data-value is the
// share as a fraction.
std::vector<Bar> StaleBars(const std::vector<SegmentReport>& segments) {
  std::vector<Bar> bars;
  for (const SegmentReport& s : segments) {
    double share = Share(s.quality.stale, s.quality.entities);
    bars.push_back({s.name, Fixed4(share), Percent(s.quality.stale, s.quality.entities), share});
  }
  return bars;
}

void AppendSegments(std::string& out, const Report& r) {
  out += "<section id=\"segments\">\n<h2>Segments</h2>\n";
  if (r.segments.empty()) {
    out += "<p>No segments configured.</p>\n";
  } else {
    out += "<div class=\"scroll\"><table>\n<tr><th>Segment</th><th>Entities</th><th>Reachable</th><th>Stale</th>"
           "<th>Never verified</th><th>Unreachable</th><th>Mean staleness</th><th>Outcomes</th>"
           "<th>Decay per year</th><th>Re-verify every</th></tr>\n";
    for (const SegmentReport& s : r.segments) AppendSegmentRow(out, s);
    out += "</table></div>\n";
    AppendBarChart(out, "Stale share of entities per segment", StaleBars(r.segments));
  }
  out += "</section>\n";
}

// "+1.5 pp" for a change of share.
std::string PointsChange(double before, double after) { return Format("%+.1f pp", 100.0 * (after - before)); }

std::string CountChange(uint64_t before, uint64_t after) {
  // Built with append: GCC 12 warns falsely on "literal" + std::string.
  std::string out(1, after >= before ? '+' : '-');
  out.append(WithThousands(after >= before ? after - before : before - after));
  return out;
}

void AppendBeforeAfter(std::string& out, const Report& r) {
  out += "<section id=\"before-after\">\n<h2>Before and after</h2>\n";
  const bool comparable = r.history.size() >= 2;
  const QualityPoint* first = comparable ? &r.history.front() : nullptr;
  const QualityPoint* last = comparable ? &r.history.back() : nullptr;
  out += "<table>\n<tr><th>Measure</th><th>Before";
  if (first) out += "<br><small>" + Escaped(first->label) + "</small>";
  out += "</th><th>After";
  if (last) out += "<br><small>" + Escaped(last->label) + "</small>";
  out += "</th><th>Change</th></tr>\n";
  if (!comparable) {
    const std::vector<std::string> dashes(3, "-");
    for (const char* measure : {"Reachable share", "Stale share", "Mean staleness", "Never verified"}) {
      AppendTableRow(out, measure, dashes);
    }
    out += "</table>\n<p><small>Fewer than two history points: nothing to compare yet.</small></p>\n</section>\n";
    return;
  }
  const QualityFigures& a = first->quality;
  const QualityFigures& b = last->quality;
  double reach_a = Share(a.reachable, a.entities), reach_b = Share(b.reachable, b.entities);
  double stale_a = Share(a.stale, a.entities), stale_b = Share(b.stale, b.entities);
  AppendTableRow(out, "Reachable share", {PercentOf(reach_a), PercentOf(reach_b), PointsChange(reach_a, reach_b)});
  AppendTableRow(out, "Stale share", {PercentOf(stale_a), PercentOf(stale_b), PointsChange(stale_a, stale_b)});
  AppendTableRow(out, "Mean staleness", {Fixed4(a.mean_staleness), Fixed4(b.mean_staleness),
                                         Format("%+.4f", b.mean_staleness - a.mean_staleness)});
  AppendTableRow(out, "Never verified", {WithThousands(a.never_verified), WithThousands(b.never_verified),
                                         CountChange(a.never_verified, b.never_verified)});
  out += "</table>\n</section>\n";
}

void AppendRecommendations(std::string& out, const Report& r) {
  out += "<section id=\"recommendations\">\n<h2>Recommendations</h2>\n<ul>\n";
  for (const std::string& text : r.recommendations) {
    AppendElement(out, "li", text);
    out += '\n';
  }
  if (r.recommendations.empty()) out += "<li>No recommendations.</li>\n";
  out += "</ul>\n</section>\n";
}

}  // namespace

std::string ReportJson(const Report& r) {
  JsonWriter j;
  j.BeginObject();
  j.Field("title", r.title);
  j.Field("generated_ms", r.generated_ms);
  j.Field("today", r.today);
  j.Field("policy", r.policy);
  j.Key("health");
  WriteHealth(j, r.health);
  j.Key("quality");
  WriteQuality(j, r.quality);
  j.Key("campaign");
  WriteOutcomes(j, r.campaign);
  j.Key("segments").BeginArray();
  for (const SegmentReport& s : r.segments) WriteSegment(j, s);
  j.EndArray();
  j.Key("history").BeginArray();
  for (const QualityPoint& p : r.history) {
    j.BeginObject().Field("time_ms", p.time_ms).Field("label", p.label).Key("quality");
    WriteQuality(j, p.quality);
    j.EndObject();
  }
  j.EndArray();
  j.Key("recommendations").BeginArray();
  for (const std::string& text : r.recommendations) j.String(text);
  j.EndArray();
  j.EndObject();
  return j.str();
}

std::string ReportSegmentsCsv(const Report& r) {
  std::string out(kCsvHeader);
  for (const SegmentReport& s : r.segments) {
    std::vector<std::string> row = CsvFigures(s.name, s.description, s.quality, s.outcomes);
    row.push_back(Fixed4(s.decay_per_year));
    row.push_back(s.decay_estimated ? "true" : "false");
    row.push_back(std::to_string(s.recommended_reverify_days));
    AppendRow(out, row);
  }
  // The whole base has no decay estimate of its own: those columns stay empty.
  std::vector<std::string> all = CsvFigures("all", "whole base", r.quality, r.campaign);
  all.insert(all.end(), {"", "", ""});
  AppendRow(out, all);
  return out;
}

std::string ReportHtml(const Report& r) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  AppendElement(out, "title", r.title);
  out += "\n<style>";
  out += kCss;
  out += "</style>\n</head>\n<body>\n";
  AppendHeader(out, r);
  AppendHealth(out, r);
  AppendCampaign(out, r);
  AppendSegments(out, r);
  AppendBeforeAfter(out, r);
  AppendRecommendations(out, r);
  out += "<footer><p class=\"meta\">Generated by Doppel.</p></footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace doppel::core
