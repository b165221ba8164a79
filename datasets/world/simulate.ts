/**
 * Runs a scene set-up through planck (the TypeScript port of Box2D, the simulator
 * PhyWorld used) and records every object's true state at every rendered frame, plus
 * the contact events (bounces on the floor, ball–ball collisions).
 */
import * as planck from 'planck';
import type { SceneSetup } from './families/context.js';
import type { EventSpec, ObjectSpec, WorldConstants } from './spec.js';

// Box2D treats contacts slower than `velocityThreshold` (default 1 unit/s) as perfectly
// inelastic; our slow out-of-distribution collisions (0–0.8 units/s) must stay elastic.
planck.Settings.velocityThreshold = 0.05;

const VELOCITY_ITERATIONS = 10;
const POSITION_ITERATIONS = 8;
/** A contact counts as a bounce or collision only above this approach speed (units/s). */
const EVENT_MIN_SPEED = 0.3;
/** A slide has stopped once its speed is below this (units/s). */
const STOP_SPEED = 0.02;

export interface BodyState {
  x: number;
  y: number;
  vx: number;
  vy: number;
  angle: number;
}

export interface Simulation {
  /** states[objectIndex][frame] */
  states: BodyState[][];
  events: EventSpec[];
}

/**
 * Simulate `numFrames` frames at `constants.fps`, with `constants.substeps` physics steps
 * per frame. Static objects (the occluder bar) are not physical and never move.
 */
export function simulate(setup: SceneSetup, constants: WorldConstants, numFrames: number): Simulation {
  const world = new planck.World({ gravity: { x: 0, y: -constants.gravity }, allowSleep: false });
  if (constants.floor) {
    const floor = world.createBody({ type: 'static' });
    floor.createFixture({
      shape: new planck.Edge({ x: -1000, y: 0 }, { x: 1000, y: 0 }),
      friction: constants.friction,
      restitution: constants.restitution,
    });
  }
  const bodies = new Map<planck.Body, ObjectSpec>();
  const bodyOf: (planck.Body | null)[] = setup.objects.map((o) => {
    if (o.static) return null;
    const body = world.createBody({
      type: 'dynamic',
      position: { x: o.initial.x, y: o.initial.y },
      linearVelocity: { x: o.initial.vx, y: o.initial.vy },
      fixedRotation: o.shape === 'square',
    });
    body.createFixture({
      shape: o.shape === 'ball' ? new planck.Circle(o.size) : new planck.Box(o.halfWidth, o.halfHeight),
      density: 1,
      friction: constants.friction,
      restitution: constants.restitution,
    });
    bodies.set(body, o);
    return body;
  });

  const dt = 1 / (constants.fps * constants.substeps);
  let time = 0;
  const events: EventSpec[] = [];
  const eventAt = (type: EventSpec['type'], objects: number[]) =>
    events.push({ type, time, frame: Math.ceil(time * constants.fps - 1e-9), objects });

  // begin-contact runs before the solver, so velocities are still the incoming ones.
  world.on('begin-contact', (contact) => {
    const a = contact.getFixtureA().getBody();
    const b = contact.getFixtureB().getBody();
    const oa = bodies.get(a);
    const ob = bodies.get(b);
    if (oa && ob) {
      const rel = planck.Vec2.sub(a.getLinearVelocity(), b.getLinearVelocity()).length();
      if (rel > EVENT_MIN_SPEED) eventAt('collision', [oa.id, ob.id].sort((p, q) => p - q));
    } else if (oa || ob) {
      const body = oa ? a : b;
      if (Math.abs(body.getLinearVelocity().y) > EVENT_MIN_SPEED) eventAt('bounce', [(oa ?? ob)!.id]);
    }
  });

  const states: BodyState[][] = setup.objects.map(() => []);
  const record = () =>
    setup.objects.forEach((o, i) => {
      const body = bodyOf[i];
      if (!body) {
        states[i].push({ x: o.initial.x, y: o.initial.y, vx: 0, vy: 0, angle: 0 });
        return;
      }
      const p = body.getPosition();
      const v = body.getLinearVelocity();
      states[i].push({ x: p.x, y: p.y, vx: v.x, vy: v.y, angle: body.getAngle() });
    });

  record();
  const moving = new Set(setup.objects.filter((o) => !o.static).map((o) => o.id));
  for (let frame = 1; frame < numFrames; frame++) {
    for (let s = 0; s < constants.substeps; s++) {
      world.step(dt, VELOCITY_ITERATIONS, POSITION_ITERATIONS);
      time += dt;
      // Floor friction brings a sliding square to rest: record when.
      if (constants.floor && constants.friction > 0) {
        for (const [body, o] of bodies) {
          if (moving.has(o.id) && body.getLinearVelocity().length() < STOP_SPEED) {
            moving.delete(o.id);
            eventAt('stopped', [o.id]);
          }
        }
      }
    }
    record();
  }
  return { states, events };
}
