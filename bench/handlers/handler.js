// No-op: the Lambda/API Gateway shape of fwd's `function main(args) { return {}; }`.
module.exports.noop = async () => ({ statusCode: 200, body: "{}" });
