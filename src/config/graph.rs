//! Dependencies between things with ids (tasks' `depends_on`, next runbook
//! steps): unknown ids, self-dependencies and cycles, found once for all of
//! them. The caller turns each [`Problem`] into its own error text.

use std::collections::{BTreeMap, VecDeque};

/// What is wrong with the dependencies of a graph; nodes are indexes into the
/// caller's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem<'a> {
    /// `node` depends on `id`, which no node has.
    Unknown { node: usize, id: &'a str },
    /// `node` depends on `id`, its own id.
    OnItself { node: usize, id: &'a str },
    /// A way round a cycle of two or more nodes: it starts and ends at the
    /// cycle's first node in list order, e.g. `[1, 2, 3, 1]`.
    Cycle(Vec<usize>),
}

/// Checks `nodes`, each `(its id, the ids it depends on)`. `index` maps each id
/// that can be depended on to its node: the caller leaves out ids it refused
/// (invalid, or a duplicate of an earlier node's); a node that is not its id's
/// node adds no edges, so nothing is reported twice.
///
/// The problems come node by node in list order (unknown ids and
/// self-dependencies), then one cycle per strongly connected group in the order
/// of the groups' first nodes.
pub fn check<'a>(
    nodes: &[(&'a str, &'a [String])],
    index: &BTreeMap<&str, usize>,
) -> Vec<Problem<'a>> {
    let mut problems = Vec::new();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, &(id, deps)) in nodes.iter().enumerate() {
        let owns_id = index.get(id) == Some(&i);
        for dep in deps {
            match index.get(dep.as_str()) {
                Some(_) if dep == id => problems.push(Problem::OnItself { node: i, id }),
                Some(&j) => {
                    if owns_id && !edges[i].contains(&j) {
                        edges[i].push(j);
                    }
                }
                None => problems.push(Problem::Unknown { node: i, id: dep }),
            }
        }
    }
    problems.extend(cycles(&edges).into_iter().map(Problem::Cycle));
    problems
}

/// One cycle per strongly connected group of two or more nodes (a group may
/// hold several overlapping cycles; one of them is enough to fix the config,
/// and listing them all can be exponential). Each starts and ends at the
/// group's first node and is a shortest way round.
fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut groups = strongly_connected(edges);
    groups.retain(|g| g.len() > 1);
    groups.sort_by_key(|g| g[0]);
    groups
        .into_iter()
        .map(|group| shortest_round(edges, &group))
        .collect()
}

/// Breadth-first from the group's first node's successors back to it, inside
/// the group.
fn shortest_round(edges: &[Vec<usize>], group: &[usize]) -> Vec<usize> {
    let start = group[0];
    let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    'search: while let Some(node) = queue.pop_front() {
        for &next in &edges[node] {
            if group.binary_search(&next).is_err() || came_from.contains_key(&next) {
                continue;
            }
            came_from.insert(next, node);
            if next == start {
                break 'search;
            }
            queue.push_back(next);
        }
    }
    let mut path = vec![start];
    let mut node = came_from[&start];
    while node != start {
        path.push(node);
        node = came_from[&node];
    }
    // Walked backwards: start, last, …, first after start.
    path[1..].reverse();
    path.push(start);
    path
}

/// Tarjan's algorithm, iterative (a config could chain many nodes); each
/// group is returned sorted.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut order = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut groups = Vec::new();
    let mut next_order = 0;
    for root in 0..n {
        if order[root] != usize::MAX {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut work = vec![(root, 0)];
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if *edge == 0 && order[node] == usize::MAX {
                order[node] = next_order;
                low[node] = next_order;
                next_order += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if order[next] == usize::MAX {
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(order[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut group = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    group.push(member);
                    if member == node {
                        break;
                    }
                }
                group.sort_unstable();
                groups.push(group);
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(id, deps)` nodes, every id usable (first occurrence wins).
    fn problems(spec: &[(&'static str, &[&str])]) -> Vec<Problem<'static>> {
        let nodes: Vec<(&str, &[String])> = spec
            .iter()
            .map(|(id, deps)| {
                let deps: Vec<String> = deps.iter().map(|d| d.to_string()).collect();
                (*id, &*Vec::leak(deps))
            })
            .collect();
        let mut index = BTreeMap::new();
        for (i, (id, _)) in nodes.iter().enumerate() {
            index.entry(*id).or_insert(i);
        }
        check(&nodes, &index)
    }

    #[test]
    fn no_dependencies_no_problems() {
        assert!(problems(&[("a", &[]), ("b", &["a"]), ("c", &["a", "b"])]).is_empty());
    }

    #[test]
    fn unknown_and_self_are_reported_on_their_node_before_cycles() {
        assert_eq!(
            problems(&[("a", &["b"]), ("b", &["a", "zz"]), ("c", &["c"])]),
            [
                Problem::Unknown { node: 1, id: "zz" },
                Problem::OnItself { node: 2, id: "c" },
                Problem::Cycle(vec![0, 1, 0]),
            ]
        );
    }

    #[test]
    fn one_shortest_cycle_per_group_from_its_first_node() {
        let got = problems(&[
            ("x", &[]),
            ("a", &["b", "c"]),
            ("b", &["c", "x"]),
            ("c", &["a"]),
            ("p", &["q"]),
            ("q", &["p"]),
        ]);
        assert_eq!(
            got,
            [Problem::Cycle(vec![1, 3, 1]), Problem::Cycle(vec![4, 5, 4])]
        );
    }

    #[test]
    fn a_node_that_does_not_own_its_id_adds_no_edge() {
        // The second "a" is a duplicate: its dependency on b closes no cycle.
        assert!(problems(&[("a", &[]), ("b", &["a"]), ("a", &["b"])]).is_empty());
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let ids: Vec<&'static str> = (0..5000).map(|i| &*String::leak(format!("n{i}"))).collect();
        let spec: Vec<(&'static str, &[&str])> = (0..5000)
            .map(|i| {
                let deps: &'static [&str] = if i == 0 {
                    &[]
                } else {
                    Vec::leak(vec![ids[i - 1]])
                };
                (ids[i], deps)
            })
            .collect();
        assert!(problems(&spec).is_empty());
    }
}
