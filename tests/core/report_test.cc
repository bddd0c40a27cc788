#include "doppel/core/report.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace doppel::core {
namespace {

QualityFigures Quality(uint64_t entities, uint64_t reachable, uint64_t stale, uint64_t never_verified,
                       double mean_staleness) {
  QualityFigures q;
  q.entities = entities;
  q.with_valid_phone = reachable;
  q.with_valid_email = reachable / 2;
  q.reachable = reachable;
  q.stale = stale;
  q.never_verified = never_verified;
  q.unreachable = entities - reachable;
  q.suppressed_contacts = 7;
  q.mean_staleness = mean_staleness;
  return q;
}

Report SampleReport() {
  Report r;
  r.generated_ms = 1'796'373'000'000;  // 2026-12-04 08:30 UTC
  r.today = "2026-12-04";
  r.policy = "stale after 365 days";
  r.health = {.records = 1200, .entities = 1000, .duplicates_merged = 200, .phones = 900, .phones_valid = 800,
              .phones_unallocated = 60, .phones_suppressed = 40, .emails = 500, .emails_suppressed = 5,
              .suppression_entries = 45};
  r.quality = Quality(1000, 750, 250, 100, 0.3125);
  r.campaign = {.confirmed = 120, .updated = 30, .unreachable = 40, .wrong_person = 6, .do_not_call = 4};

  SegmentReport regulars;
  regulars.name = "lapsed_regulars";
  regulars.description = "orders >= 3, none in 180 days";
  regulars.quality = Quality(400, 300, 100, 20, 0.25);
  regulars.outcomes = {.confirmed = 50, .updated = 10, .unreachable = 20, .wrong_person = 2, .do_not_call = 1};
  regulars.decay_per_year = 0.18;
  regulars.decay_estimated = true;
  regulars.recommended_reverify_days = 120;
  regulars.recommendation = "Re-verify every 120 days.";

  SegmentReport tricky;
  tricky.name = "vip, \"gold\"";
  tricky.description = "spend > 100000";
  tricky.quality = Quality(0, 0, 0, 0, 0);  // an empty segment: shares are 0
  r.segments = {regulars, tricky};

  r.history = {{.time_ms = 1'790'000'000'000, .label = "before campaign", .quality = Quality(1000, 600, 400, 300, 0.5)},
               {.time_ms = 1'796'371'200'000, .label = "after outcomes batch 2", .quality = r.quality}};
  r.recommendations = {"Call lapsed_regulars first.", "Drop unallocated numbers."};
  return r;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
  return n;
}

// The text of the <section id="..."> element.
std::string Section(const std::string& html, const std::string& id) {
  size_t begin = html.find("<section id=\"" + id + "\"");
  if (begin == std::string::npos) return "";
  size_t end = html.find("</section>", begin);
  return html.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ReportJson, HasFiguresAndShares) {
  std::string json = ReportJson(SampleReport());
  EXPECT_TRUE(Contains(json, "\"today\": \"2026-12-04\""));
  EXPECT_TRUE(Contains(json, "\"generated_ms\": 1796373000000"));
  EXPECT_TRUE(Contains(json, "\"health\": {"));
  EXPECT_TRUE(Contains(json, "\"records\": 1200"));
  EXPECT_TRUE(Contains(json, "\"duplicates_merged\": 200"));
  EXPECT_TRUE(Contains(json, "\"phones_unallocated\": 60"));
  EXPECT_TRUE(Contains(json, "\"suppression_entries\": 45"));
  // Quality: counts with their shares of the entities.
  EXPECT_TRUE(Contains(json, "\"stale\": 250"));
  EXPECT_TRUE(Contains(json, "\"stale_share\": 0.25"));
  EXPECT_TRUE(Contains(json, "\"reachable_share\": 0.75"));
  EXPECT_TRUE(Contains(json, "\"mean_staleness\": 0.3125"));
  // Campaign: 200 outcomes in all.
  EXPECT_TRUE(Contains(json, "\"campaign\": {"));
  EXPECT_TRUE(Contains(json, "\"total\": 200"));
  EXPECT_TRUE(Contains(json, "\"confirmed\": 120"));
  EXPECT_TRUE(Contains(json, "\"confirmed_share\": 0.6"));
  EXPECT_TRUE(Contains(json, "\"do_not_call_share\": 0.02"));
  // Segments, history and recommendations, strings escaped.
  EXPECT_TRUE(Contains(json, "\"name\": \"vip, \\\"gold\\\"\""));
  EXPECT_TRUE(Contains(json, "\"decay_per_year\": 0.18"));
  EXPECT_TRUE(Contains(json, "\"decay_estimated\": true"));
  EXPECT_TRUE(Contains(json, "\"recommended_reverify_days\": 120"));
  EXPECT_TRUE(Contains(json, "\"label\": \"before campaign\""));
  EXPECT_TRUE(Contains(json, "\"Drop unallocated numbers.\""));
  // The empty segment divides by zero nowhere.
  EXPECT_FALSE(Contains(json, "null"));
  EXPECT_FALSE(Contains(json, "nan"));
  EXPECT_FALSE(Contains(json, "inf"));
}

TEST(ReportCsv, HeaderRowPerSegmentAndAll) {
  std::string csv = ReportSegmentsCsv(SampleReport());
  std::vector<std::string> lines = Lines(csv);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "segment,description,entities,reachable,reachable_share,stale,stale_share,never_verified,unreachable,"
            "suppressed_contacts,mean_staleness,confirmed,updated,unreachable_calls,wrong_person,do_not_call,"
            "decay_per_year,decay_estimated,recommended_reverify_days");
  EXPECT_EQ(lines[1], "lapsed_regulars,\"orders >= 3, none in 180 days\",400,300,0.7500,100,0.2500,20,100,7,0.2500,"
                      "50,10,20,2,1,0.1800,true,120");
  EXPECT_EQ(lines[2], "\"vip, \"\"gold\"\"\",spend > 100000,0,0,0.0000,0,0.0000,0,0,7,0.0000,0,0,0,0,0,0.0000,false,0");
  EXPECT_EQ(lines[3], "all,whole base,1000,750,0.7500,250,0.2500,100,250,7,0.3125,120,30,40,6,4,,,");
}

TEST(ReportHtml, HasSectionsAndOutcomeBars) {
  std::string html = ReportHtml(SampleReport());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(Contains(html, "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(Contains(html, "<style>"));
  EXPECT_TRUE(Contains(html, "2026-12-04 08:30 UTC"));
  for (const char* id : {"health", "campaign", "segments", "before-after", "recommendations"}) {
    EXPECT_TRUE(Contains(html, std::string("id=\"") + id + "\"")) << id;
  }
  EXPECT_TRUE(Contains(Section(html, "health"), "1,200"));

  std::string campaign = Section(html, "campaign");
  EXPECT_EQ(Count(campaign, "<svg"), 1u);
  EXPECT_TRUE(Contains(campaign, "role=\"img\""));
  EXPECT_TRUE(Contains(campaign, "<title>"));
  EXPECT_EQ(Count(campaign, "<rect class=\"bar\""), 5u);
  for (const char* value : {"120", "30", "40", "6", "4"}) {
    EXPECT_TRUE(Contains(campaign, std::string("<rect class=\"bar\" data-value=\"") + value + "\"")) << value;
  }
  EXPECT_TRUE(Contains(campaign, "60.0%"));  // confirmed: 120 of 200

  // Every chart is labelled for screen readers.
  EXPECT_EQ(Count(html, "<svg"), 2u);
  EXPECT_EQ(Count(html, "role=\"img\""), 2u);
  EXPECT_EQ(Count(html, "<title>"), 3u);  // the page's and one per chart

  std::string segments = Section(html, "segments");
  EXPECT_TRUE(Contains(segments, "<table>"));
  EXPECT_EQ(Count(segments, "<rect class=\"bar\""), 2u);
  EXPECT_TRUE(Contains(segments, "<rect class=\"bar\" data-value=\"0.2500\""));
  EXPECT_TRUE(Contains(segments, "<rect class=\"bar\" data-value=\"0.0000\""));

  std::string before_after = Section(html, "before-after");
  EXPECT_TRUE(Contains(before_after, "60.0%"));  // reachable before
  EXPECT_TRUE(Contains(before_after, "75.0%"));  // and after
  EXPECT_TRUE(Contains(before_after, "+15.0 pp"));
  EXPECT_TRUE(Contains(before_after, "-200"));  // never verified 300 -> 100

  std::string recommendations = Section(html, "recommendations");
  EXPECT_TRUE(Contains(recommendations, "<ul>"));
  EXPECT_EQ(Count(recommendations, "<li>"), 2u);
}

TEST(ReportHtml, EscapesDataAndStaysSelfContained) {
  Report r = SampleReport();
  r.segments[0].name = "<b>\"x\"&y";
  r.recommendations.push_back("Don't <script>alert(1)</script>");
  std::string html = ReportHtml(r);
  EXPECT_FALSE(Contains(html, "<b>\"x\"&y"));
  EXPECT_TRUE(Contains(html, "&lt;b&gt;&quot;x&quot;&amp;y"));
  EXPECT_TRUE(Contains(html, "Don&#39;t &lt;script&gt;"));
  EXPECT_FALSE(Contains(html, "<script"));

  // No links out: the only URL is the SVG namespace.
  std::string rest = html;
  const std::string svg_namespace = "xmlns=\"http://www.w3.org/2000/svg\"";
  for (size_t at = rest.find(svg_namespace); at != std::string::npos; at = rest.find(svg_namespace)) {
    rest.erase(at, svg_namespace.size());
  }
  EXPECT_FALSE(Contains(rest, "http://"));
  EXPECT_FALSE(Contains(rest, "https://"));
}

TEST(ReportHtml, ChartCutsLongLabelsOnCharacterBoundaries) {
  Report r = SampleReport();
  std::string name;
  for (int i = 0; i < 30; ++i) name += "Ж";  // two bytes each
  r.segments[0].name = name;
  std::string segments = Section(ReportHtml(r), "segments");
  EXPECT_TRUE(Contains(segments, "<strong>" + name + "</strong>"));  // the table keeps it whole
  EXPECT_TRUE(Contains(segments, ">" + name.substr(0, 24 * 2) + "...</text>"));
}

TEST(ReportHtml, ShortHistoryShowsDashes) {
  Report r = SampleReport();
  r.history.resize(1);
  std::string before_after = Section(ReportHtml(r), "before-after");
  EXPECT_TRUE(Contains(before_after, "<td class=\"num\">-</td>"));
  EXPECT_FALSE(Contains(before_after, "pp"));
}

TEST(Report, SameReportSameBytes) {
  Report r = SampleReport();
  EXPECT_EQ(ReportJson(r), ReportJson(r));
  EXPECT_EQ(ReportSegmentsCsv(r), ReportSegmentsCsv(r));
  EXPECT_EQ(ReportHtml(r), ReportHtml(r));
  EXPECT_EQ(ReportHtml(r), ReportHtml(SampleReport()));
}

TEST(Report, EmptyReportRenders) {
  Report r;
  std::string json = ReportJson(r);
  EXPECT_TRUE(Contains(json, "\"segments\": []"));
  EXPECT_TRUE(Contains(json, "\"stale_share\": 0"));
  EXPECT_FALSE(Contains(json, "null"));

  std::vector<std::string> csv = Lines(ReportSegmentsCsv(r));
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_EQ(csv[1], "all,whole base,0,0,0.0000,0,0.0000,0,0,0,0.0000,0,0,0,0,0,,,");

  std::string html = ReportHtml(r);
  for (const char* id : {"health", "campaign", "segments", "before-after", "recommendations"}) {
    EXPECT_TRUE(Contains(html, std::string("id=\"") + id + "\"")) << id;
  }
  std::string campaign = Section(html, "campaign");
  EXPECT_EQ(Count(campaign, "<rect class=\"bar\" data-value=\"0\""), 5u);
  EXPECT_EQ(Count(campaign, "width=\"0.0\""), 5u);  // bars of width 0, nothing divided by zero
  EXPECT_FALSE(Contains(html, "nan"));
  EXPECT_TRUE(Contains(Section(html, "before-after"), "<td class=\"num\">-</td>"));
}

}  // namespace
}  // namespace doppel::core
