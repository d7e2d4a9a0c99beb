/* The case page's keyboard shortcuts (listed on the page, #shortcuts): j next case, k previous
   case, q back to the queue, t take, n write a note, r refer, c write the closing reason.
   A shortcut never fires while the user types in a field (or with Ctrl, Alt or Meta held);
   in a review form's text box, Ctrl+Enter (or Cmd+Enter) submits that form. No inline
   script: the page's CSP allows scripts from 'self' only. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) {
      window.location.assign(link.href);
      return true;
    }
    return false;
  }

  function press(selector) {
    var button = document.querySelector(selector);
    if (button && !button.disabled) {
      button.click();
      return true;
    }
    return false;
  }

  function focus(selector) {
    var field = document.querySelector(selector);
    if (field) {
      field.scrollIntoView({ block: "center" });
      field.focus();
      return true;
    }
    return false;
  }

  var keys = {
    j: function () { return follow("#next-case"); },
    k: function () { return follow("#previous-case"); },
    q: function () { return follow("#back-to-queue"); },
    t: function () { return press('button[data-action="take"]'); },
    n: function () { return focus("#note-text"); },
    r: function () { return press('button[data-action="refer"]'); },
    c: function () { return focus("#close-reason"); }
  };

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && typing(target)) {
      var form = target.form;
      if (form && form.classList.contains("rq-form")) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || typing(target)) {
      return;
    }
    var action = keys[event.key];
    if (action && action()) {
      event.preventDefault();
    }
  });
})();
