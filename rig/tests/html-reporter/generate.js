// Renders the cucumber.json files of a folder into an HTML report with
// multiple-cucumber-html-reporter, as a CI would publish rig's results.
// Usage: node generate.js JSON_DIR REPORT_DIR
const report = require('multiple-cucumber-html-reporter');
report.generate({
  jsonDir: process.argv[2],
  reportPath: process.argv[3],
  disableLog: true,
  metadata: { platform: { name: 'linux' } },
});
