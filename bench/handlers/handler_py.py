# No-op: the Lambda/API Gateway shape of fwd's `def main(args): return {}`.
def noop(event, context):
    return {"statusCode": 200, "body": "{}"}
