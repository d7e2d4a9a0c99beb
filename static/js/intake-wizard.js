/* Progressive enhancement for the patient intake wizard. Everything works without it.
 *
 * - [data-show-when-name] blocks (questions asked only after a given answer, the C-SSRS safety
 *   questions after PHQ-9 item 9 above 0, ECT electrode placement) are hidden until the
 *   controlling answer is given, and revealed at once when it is. A block may name several
 *   controls (space-separated) with [data-show-when-at-least="n"]: shown when n of them have
 *   one of the values (MDQ question 2, after two or more symptoms). Answers in a hidden block are
 *   left alone: the server discards answers to questions that were not asked.
 * - [data-reveal-sets="<id>"] also sets that hidden input to "1" while the block is shown, so
 *   the server knows the questions were on screen.
 * - The error summary (or notice) with autofocus is focused even where autofocus is ignored.
 * - The resume link's text box selects its whole text on focus, ready to copy.
 */
(function () {
  "use strict";

  function controlValue(form, name) {
    var control = form.elements.namedItem(name);
    if (!control) { return ""; }
    return control.value || "";
  }

  function setUpConditional(block) {
    var form = block.closest("form");
    if (!form) { return; }
    var names = (block.getAttribute("data-show-when-name") || "").split(" ");
    var values = (block.getAttribute("data-show-when-values") || "").split(" ");
    var atLeast = parseInt(block.getAttribute("data-show-when-at-least") || "1", 10);
    var flagId = block.getAttribute("data-reveal-sets");
    function update() {
      var matching = 0;
      for (var i = 0; i < names.length; i += 1) {
        if (values.indexOf(controlValue(form, names[i])) !== -1) { matching += 1; }
      }
      var shown = matching >= atLeast;
      block.hidden = !shown;
      if (flagId) {
        var flag = document.getElementById(flagId);
        if (flag) { flag.value = shown ? "1" : ""; }
      }
    }
    form.addEventListener("change", function (event) {
      if (event.target && names.indexOf(event.target.name) !== -1) { update(); }
    });
    update();
  }

  function focusAutofocusPanel() {
    var panel = document.querySelector("#error-summary[autofocus], #cssrs-notice[autofocus]");
    if (panel && document.activeElement !== panel) { panel.focus(); }
  }

  function setUpResumeLink() {
    var box = document.getElementById("resume-link");
    if (!box) { return; }
    box.addEventListener("focus", function () { box.select(); });
  }

  function start() {
    var blocks = document.querySelectorAll("[data-show-when-name]");
    for (var i = 0; i < blocks.length; i += 1) { setUpConditional(blocks[i]); }
    focusAutofocusPanel();
    setUpResumeLink();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
