// The caption drafts both widgets send to the kernel, as a Vue mixin (`mixins: [snbDrafts]`).
// ipyvue compiles each template on its own, with nothing to import from, so
// vue_parts.widget_template writes this file into the <script> of each widget that names it.
// A widget keeps `this.unsent` (caption key -> text typed and not yet sent) and may keep a
// `this.flushTimer` that sends them after a pause in typing.
const snbDrafts = {
  methods: {
    takeDrafts() {
      clearTimeout(this.flushTimer);
      const out = this.unsent;
      this.unsent = {};
      return out;
    },
    flush() {
      const captions = this.takeDrafts();
      if (Object.keys(captions).length) this.set_caption({ captions: captions });
    },
    act(name, payload) {
      // Every action carries the unsent drafts, so the kernel sees the latest captions first.
      this[name](Object.assign({}, payload || {}, { captions: this.takeDrafts() }));
    },
  },
};
