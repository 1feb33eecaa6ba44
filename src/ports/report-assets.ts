/** What report.html inlines so it renders with no network at view time (docs/measurement.md "report.html"). */

/** The charting library's browser bundles, concatenated in load order, and what they are. */
export interface ChartLibrary {
  /** e.g. "@observablehq/plot 0.6.17 + d3 7.9.2". */
  label: string;
  /** Minified browser code defining the `Plot` global (and `d3`, which it needs). */
  code: string;
}

/** What writeRunReport takes from outside the core besides the run's files. */
export interface ReportAssets {
  chart?: ChartLibrary | undefined;
  /** Subjects of these commits (unknown ones left out), for the charts' hover texts. */
  commitSubjects?: ((shas: readonly string[]) => Promise<ReadonlyMap<string, string>>) | undefined;
}
