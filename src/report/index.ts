/**
 * `rnn-anomaly/report`: the self-contained HTML report, drawn from a DetectionResult
 * (`renderHtmlReport(reportInputFromResult(result, options))`) or from a hand-built ReportInput.
 */
export { renderHtmlReport } from './html-report.js';
export { reportInputFromResult, type DetectionReportOptions } from './from-detection.js';
export type {
  ReportEvent,
  ReportEventFeature,
  ReportInput,
  ReportSeries,
  RowRange,
  TrainingCurve,
} from './report-input.js';
