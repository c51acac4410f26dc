#!/usr/bin/env python3
"""An S3 stand-in for the Artifacts tests: moto's server on a loopback port, with signature checks on.

Creates an IAM user allowed every S3 action, the buckets and objects given, and writes the user's keys where a
Kubernetes Secret would be mounted: <secrets>/<secret>/accesskey and <secrets>/<secret>/secretkey. Every request
after that set-up must be signed with those keys (AWS Signature Version 4), or moto answers 403.

Prints "PORT <n>" once ready, or "ERROR <reason>" and exits 2. Serves until killed.
Options: --secrets DIR --secret NAME --object BUCKET KEY BASE64 (repeatable).
"""
import argparse
import base64
import json
import os
import sys
import time


def fail(reason):
    print("ERROR " + reason, flush=True)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secrets", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--object", nargs=3, action="append", default=[], metavar=("BUCKET", "KEY", "BASE64"))
    arguments = parser.parse_args()
    buckets = sorted({bucket for bucket, _, _ in arguments.object})
    # The set-up requests are not signed with the user's keys: moto checks requests after this many.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(3 + len(buckets) + len(arguments.object))
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        fail(f"moto[server] is not installed ({error}): run make deps")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    settings = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                    aws_access_key_id="setup", aws_secret_access_key="setup")
    iam = boto3.client("iam", **settings)
    iam.create_user(UserName="sensor-gateway")
    key = iam.create_access_key(UserName="sensor-gateway")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="sensor-gateway", PolicyName="s3", PolicyDocument=json.dumps(policy))
    s3 = boto3.client("s3", **settings)
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
    for bucket, name, content in arguments.object:
        s3.put_object(Bucket=bucket, Key=name, Body=base64.b64decode(content))
    secret = os.path.join(arguments.secrets, arguments.secret)
    os.makedirs(secret, exist_ok=True)
    with open(os.path.join(secret, "accesskey"), "w") as file:
        file.write(key["AccessKeyId"] + "\n")
    with open(os.path.join(secret, "secretkey"), "w") as file:
        file.write(key["SecretAccessKey"] + "\n")
    print(f"PORT {port}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
