/**
 * Implicit-ALS kernel: the two operations of a half-step over a row range. Runs in workers (arrays over
 * SharedArrayBuffers) or in-process (plain arrays); see WorkerPool.
 */
import { AlsBlockScratch, AlsScratch, solveRows, type AlsProblem } from '../linalg/cg.ts';
import { gramianAddUpper } from '../linalg/vec.ts';

export interface SparseRows { indptr: Int32Array; indices: Int32Array; data: Float32Array }

export interface AlsKernelInit {
  f: number;
  alpha: number;
  alpha0: number;
  lambda: number;
  nu: number | null;
  solver: 'cg' | 'cholesky';
  cgSteps: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  byUser: SparseRows;
  byItem: SparseRows;
  /** α0 YᵀY of the fixed side, written by the coordinator before each 'solve'. */
  G: Float64Array;
  /** This thread's partial Gramian, f × f upper triangle. */
  part: Float64Array;
}

/** 'gram': partial Gramian of the FIXED side's factors for solving `side`. 'solve': solve rows of `side`. */
export type AlsTask = { op: 'gram' | 'solve'; side: 'users' | 'items'; start: number; end: number };

export function createKernel(init: AlsKernelInit): (t: AlsTask) => number {
  const s = new AlsScratch(init.f), bs = new AlsBlockScratch(init.f);
  const nUsers = init.userFactors.length / init.f, nItems = init.itemFactors.length / init.f;
  const problem = (side: 'users' | 'items'): AlsProblem => {
    const rows = side === 'users' ? init.byUser : init.byItem;
    return {
      f: init.f,
      Y: side === 'users' ? init.itemFactors : init.userFactors,
      X: side === 'users' ? init.userFactors : init.itemFactors,
      G: init.G,
      indptr: rows.indptr, indices: rows.indices, data: rows.data,
      alpha: init.alpha, alpha0: init.alpha0, lambda: init.lambda, nu: init.nu,
      nOther: side === 'users' ? nItems : nUsers,
    };
  };
  const users = problem('users'), items = problem('items');
  return (t) => {
    const pr = t.side === 'users' ? users : items;
    if (t.op === 'gram') {
      init.part.fill(0);
      gramianAddUpper(pr.Y, init.f, t.start, t.end, init.part);
      return 0;
    }
    return solveRows(pr, t.start, t.end, init.solver, init.cgSteps, s, bs);
  };
}
