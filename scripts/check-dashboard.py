"""Checks that template.yaml's operations dashboard body is valid JSON with the widgets it needs.

cfn-lint accepts any string as a DashboardBody; CloudFormation would reject a malformed one only
at deploy time. Run by scripts/test-all in the template lint step, with the .venv Python (cfn-lint
provides the CloudFormation-aware YAML loader).
"""

import json
import re
import sys

from cfnlint.decode import cfn_yaml

template = cfn_yaml.load("template.yaml")
dashboard = template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]
body, variables = dashboard["Fn::Sub"]
names = set(re.findall(r"\$\{([^}]+)\}", body))
unknown = sorted(n for n in names if n not in variables and not n.startswith("AWS::") and n != "Api")
if unknown:
    sys.exit(f"check-dashboard: DashboardBody names undefined variables: {', '.join(unknown)}")
try:
    parsed = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
except json.JSONDecodeError as error:
    sys.exit(f"check-dashboard: DashboardBody is not JSON: {error}")
widgets = parsed.get("widgets", [])
titles = [w.get("properties", {}).get("title", "") for w in widgets]
for needed in ("200 ms deadline", "Decisions by result", "HTTP API", "Scheduled functions", "IVS Chat", "Alarms"):
    if not any(needed in title for title in titles):
        sys.exit(f"check-dashboard: no widget about {needed!r} (titles: {titles})")
alarms = next(w for w in widgets if w["type"] == "alarm")["properties"]["alarms"]
declared = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"]
if len(alarms) != len(declared):
    sys.exit(f"check-dashboard: the alarm widget shows {len(alarms)} alarms, the template declares {len(declared)}")
print(f"check-dashboard: {len(widgets)} widgets, {len(alarms)} alarms")
