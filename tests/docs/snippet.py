#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Usage: snippet.py CHECK FILE

Checks one README snippet for tests/sections/docs; prints one line saying
what it found, or the error, and exits 0 (good) or 1 (bad).

  yaml FILE        every YAML document parses (yaml.safe_load_all)
  json FILE        the JSON parses
  xml FILE         the XML is well-formed (a fragment is wrapped in a root)
  junit FILE       a JUnit report: <testsuites>/<testsuite> with testcases
  validator FILE   the fakesriov-validate command lines of the YAML's CI
                   steps (GitHub's run:, GitLab's script:), one a line
  kubevirt FILE    exit 0 if a document is a KubeVirt CR with
                   spec.configuration.permittedHostDevices.pciHostDevices
"""
import json
import sys
import xml.dom.minidom

import yaml


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


STEP_KEYS = ("run", "script", "before_script", "after_script")


def steps(node):
    """The shell commands of CI steps: GitHub's run:, GitLab's script: lists."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in STEP_KEYS:
                yield from strings(v)
            else:
                yield from steps(v)
    elif isinstance(node, list):
        for v in node:
            yield from steps(v)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    check, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        if check == "yaml":
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
            print("%d YAML document(s)" % len(docs))
        elif check == "json":
            json.loads(text)
            print("JSON parses")
        elif check == "xml":
            try:
                xml.dom.minidom.parseString(text)
            except xml.parsers.expat.ExpatError:
                xml.dom.minidom.parseString("<fragment>%s</fragment>" % text)
            print("XML is well-formed")
        elif check == "junit":
            dom = xml.dom.minidom.parseString(text)
            cases = dom.getElementsByTagName("testcase")
            if dom.documentElement.tagName not in ("testsuites", "testsuite") or not cases:
                print("not a JUnit report (root <%s>, %d testcases)"
                      % (dom.documentElement.tagName, len(cases)))
                return 1
            print("JUnit report with %d testcases" % len(cases))
        elif check == "validator":
            for d in yaml.safe_load_all(text):
                for s in steps(d):
                    for line in s.splitlines():
                        line = line.strip()
                        if line == "fakesriov-validate" or line.startswith("fakesriov-validate "):
                            print(line)
        elif check == "kubevirt":
            for d in yaml.safe_load_all(text):
                if isinstance(d, dict) and d.get("kind") == "KubeVirt":
                    phd = (d.get("spec", {}).get("configuration", {})
                           .get("permittedHostDevices", {}).get("pciHostDevices"))
                    if phd:
                        print("KubeVirt CR with %d pciHostDevices" % len(phd))
                        return 0
            return 1
        else:
            sys.exit(__doc__)
    except (yaml.YAMLError, ValueError, xml.parsers.expat.ExpatError) as e:
        print(str(e).replace("\n", " "))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
