// Keeps stdout for the single machine-readable "ready" line.
//
// oidc-provider prints notices with console.info (e.g. "default renderError function
// called, you SHOULD change it"), which would land on stdout and break a harness that
// parses the first stdout line. Everything that goes through console.log/info/debug is
// sent to stderr instead. server.js imports this module FIRST so the redirect is in
// place before oidc-provider is evaluated; the ready line itself is written with
// process.stdout.write.
const toStderr = (...args) => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
