import type { Dataset, Version } from '../types.js';

const NODE_W = 180;
/** Characters that fit a node's width at the title's and subtitle's font sizes; longer text ends in an ellipsis (the full text is the node's tooltip). */
const TITLE_CHARS = 22;
const SUBTITLE_CHARS = 27;
const NODE_H = 46;
const COL_GAP = 70;
const ROW_GAP = 18;
const PAD = 16;

interface Node {
  readonly key: string;
  readonly x: number;
  readonly y: number;
  readonly title: string;
  readonly subtitle: string;
  readonly kind: 'version' | 'dataset' | 'vulnerabilities';
  readonly stage?: string;
  readonly number?: number;
}

const fit = (text: string, chars: number): string => (text.length > chars ? `${text.slice(0, chars - 1)}…` : text);

/** Strips an algorithm prefix: version digests and dataset sha256 are compared as bare hex. */
export const bareDigest = (digest: string) => digest.replace(/^sha256:/, '');

/**
 * The model's family tree: datasets in the first column, then versions by generation (a
 * version one column right of its parent). An edge joins each parent to its child (a retrain
 * or a fine-tune) and each dataset version to the versions trained on it.
 */
/** Red-team findings a version was trained on (from the vulnerability ledger, when the server has one). */
export interface TrainedOnVulnerabilities {
  readonly count: number;
  readonly families: readonly string[];
}

export function LineageGraph({
  versions,
  datasets,
  vulnerabilities = new Map(),
  selected,
  onSelect,
}: {
  versions: readonly Version[];
  datasets: readonly Dataset[];
  vulnerabilities?: ReadonlyMap<number, TrainedOnVulnerabilities>;
  selected: number | undefined;
  onSelect: (number: number) => void;
}) {
  const byNumber = new Map(versions.map((v) => [v.number, v]));
  const depth = new Map<number, number>();
  const depthOf = (v: Version, seen = new Set<number>()): number => {
    const known = depth.get(v.number);
    if (known !== undefined) return known;
    const parent = v.parentVersion === null ? undefined : byNumber.get(v.parentVersion);
    const d = parent === undefined || seen.has(v.number) ? 0 : depthOf(parent, seen.add(v.number)) + 1;
    depth.set(v.number, d);
    return d;
  };
  for (const v of versions) depthOf(v);

  const usedDigests = new Set(versions.flatMap((v) => v.datasetDigests.map(bareDigest)));
  const datasetByDigest = new Map(datasets.map((d) => [bareDigest(d.sha256), d]));
  const digests = [...usedDigests].sort();
  const vulnerable = [...vulnerabilities].filter(([number]) => byNumber.has(number)).sort(([a], [b]) => a - b);
  const hasData = digests.length > 0 || vulnerable.length > 0;
  const colX = (column: number) => PAD + (column + (hasData ? 1 : 0)) * (NODE_W + COL_GAP);

  const nodes: Node[] = [];
  digests.forEach((digest, row) => {
    const dataset = datasetByDigest.get(digest);
    nodes.push({
      key: `d:${digest}`,
      kind: 'dataset',
      x: PAD,
      y: PAD + row * (NODE_H + ROW_GAP),
      title: dataset ? `${dataset.name} v${dataset.version}` : `data ${digest.slice(0, 8)}`,
      subtitle: dataset ? `${dataset.rows.toLocaleString('en')} rows · ${dataset.origin}` : 'dataset',
    });
  });
  vulnerable.forEach(([number, found], i) => {
    nodes.push({
      key: `x:${number}`,
      kind: 'vulnerabilities',
      x: PAD,
      y: PAD + (digests.length + i) * (NODE_H + ROW_GAP),
      title: `${found.count} vulnerabilit${found.count === 1 ? 'y' : 'ies'}`,
      subtitle: found.families.slice(0, 3).join(', ') || 'red team',
    });
  });
  const rows = new Map<number, number>();
  for (const v of [...versions].sort((a, b) => a.number - b.number)) {
    const column = depth.get(v.number) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    nodes.push({
      key: `v:${v.number}`,
      kind: 'version',
      x: colX(column),
      y: PAD + row * (NODE_H + ROW_GAP),
      title: `${v.semver} (#${v.number})`,
      subtitle: `${v.stage}${v.retrainingCount > 0 ? ` · retrain ${v.retrainingCount}` : ''}`,
      stage: v.stage,
      number: v.number,
    });
  }
  const at = new Map(nodes.map((n) => [n.key, n]));
  const edges: Array<{ from: Node; to: Node; kind: 'parent' | 'data' | 'vuln' }> = [];
  for (const v of versions) {
    const to = at.get(`v:${v.number}`);
    if (to === undefined) continue;
    const parent = v.parentVersion === null ? undefined : at.get(`v:${v.parentVersion}`);
    if (parent !== undefined) edges.push({ from: parent, to, kind: 'parent' });
    for (const digest of new Set(v.datasetDigests.map(bareDigest))) {
      const from = at.get(`d:${digest}`);
      if (from !== undefined) edges.push({ from, to, kind: 'data' });
    }
    const found = at.get(`x:${v.number}`);
    if (found !== undefined) edges.push({ from: found, to, kind: 'vuln' });
  }
  const width = Math.max(...nodes.map((n) => n.x + NODE_W)) + PAD;
  const height = Math.max(...nodes.map((n) => n.y + NODE_H)) + PAD;

  return (
    <div className="graph-wrap">
      <svg width={width} height={height} role="img" aria-label="lineage graph" data-testid="lineage-graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="arrow" />
          </marker>
        </defs>
        {edges.map(({ from, to, kind }) => {
          const x1 = from.x + NODE_W;
          const y1 = from.y + NODE_H / 2;
          const x2 = to.x;
          const y2 = to.y + NODE_H / 2;
          const mid = (x1 + x2) / 2;
          return <path key={`${from.key}-${to.key}`} className={`edge edge-${kind}`} d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2 - 2} ${y2}`} markerEnd="url(#arrow)" />;
        })}
        {nodes.map((node) => (
          <g
            key={node.key}
            transform={`translate(${node.x},${node.y})`}
            className={`node node-${node.kind} ${node.stage ? `node-stage-${node.stage.toLowerCase()}` : ''} ${node.number !== undefined && node.number === selected ? 'node-selected' : ''}`}
            data-testid={node.kind === 'version' ? `lineage-node-${node.number}` : undefined}
            onClick={node.number === undefined ? undefined : () => onSelect(node.number!)}
          >
            <title>{`${node.title} — ${node.subtitle}`}</title>
            <rect width={NODE_W} height={NODE_H} rx={6} />
            <text x={10} y={19} className="node-title">
              {fit(node.title, TITLE_CHARS)}
            </text>
            <text x={10} y={36} className="node-sub">
              {fit(node.subtitle, SUBTITLE_CHARS)}
            </text>
          </g>
        ))}
      </svg>
      <p className="muted small legend">
        <span className="key key-parent" /> parent → child (retrain or new recipe) &nbsp; <span className="key key-data" /> dataset version → the versions trained on it{vulnerable.length > 0 ? <> &nbsp; <span className="key key-vuln" /> red-team vulnerabilities → the version trained on them</> : null}. Click a version for its lineage.
      </p>
    </div>
  );
}
