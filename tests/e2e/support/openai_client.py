"""Talk to herald's HTTP API with the official openai client, as users' tools do.

Usage: openai_client.py BASE_URL KEY. Prints one JSON object with what each call returned.
"""
import json
import sys
import urllib.request

import openai
from prometheus_client.parser import text_string_to_metric_families

base_url, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=120)
out = {}


def metrics():
    """herald's /metrics, parsed as Prometheus text: {sample name + labels: value}."""
    root = base_url.rsplit("/v1", 1)[0]
    text = urllib.request.urlopen(root + "/metrics").read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}"] = s.value
    return samples


before = metrics()

models = client.models.list()
out["models"] = [m.id for m in models.data]

done = client.chat.completions.create(
    model="herald",
    messages=[{"role": "user", "content": "how much is the huila?"}],
)
out["content"] = done.choices[0].message.content
out["finish_reason"] = done.choices[0].finish_reason
extra = done.model_extra or {}
out["citations"] = extra.get("herald", {}).get("citations", [])

stream = client.chat.completions.create(
    model="herald",
    messages=[{"role": "user", "content": "when is the harbor street cafe open?"}],
    stream=True,
    user="someone-else",
)
pieces, finish = [], None
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
    if chunk.choices and chunk.choices[0].finish_reason:
        finish = chunk.choices[0].finish_reason
out["streamed"] = "".join(pieces)
out["stream_chunks"] = len(pieces)
out["stream_finish"] = finish

try:
    openai.OpenAI(base_url=base_url, api_key="sk-wrong", max_retries=0).models.list()
    out["wrong_key"] = "accepted"
except openai.AuthenticationError as e:
    out["wrong_key"] = e.status_code

after = metrics()
out["metrics_before"] = before
out["metrics_after"] = after

print(json.dumps(out))
