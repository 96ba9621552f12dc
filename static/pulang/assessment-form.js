// Skip logic on the assessment form, without a round trip: each question's show_if
// (data-show-if, the instrument's own condition) is evaluated as the engine does
// (pulang/assessments/engine/conditions.py) on the answers given so far, in the order
// asked. A question that does not apply is hidden and its inputs disabled, so its answer
// is not sent. Without this script every question shows, and the server leaves out
// the answers to questions that do not apply.
(function () {
  "use strict";
  var form = document.querySelector("form[data-assessment-form]");
  if (!form) return;
  var factsNode = document.getElementById("assessment-facts");
  var facts = factsNode ? JSON.parse(factsNode.textContent) : {};
  var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
  var sections = Array.prototype.slice.call(form.querySelectorAll("[data-section]"));
  var conditions = {};
  questions.forEach(function (node) {
    var raw = node.getAttribute("data-show-if");
    if (raw) conditions[node.getAttribute("data-question")] = JSON.parse(raw);
  });

  function inputs(node) {
    return Array.prototype.slice.call(node.querySelectorAll("input, select, textarea"));
  }

  // The answer as the engine would accept it, or null (unanswered or not acceptable).
  function read(node) {
    var type = node.getAttribute("data-type");
    var fields = inputs(node);
    if (type === "yes_no") {
      var checked = fields.filter(function (f) { return f.checked; })[0];
      if (!checked) return null;
      return { yes: true, no: false, declined: "declined" }[checked.value];
    }
    if (type === "multiple_choice") {
      var values = fields.filter(function (f) { return f.checked; }).map(function (f) { return f.value; });
      return values.length ? values : null;
    }
    if (type === "single_choice") {
      var field = fields.filter(function (f) { return f.type !== "radio" || f.checked; })[0];
      return field && field.value ? field.value : null;
    }
    var text = fields[0] ? fields[0].value.trim() : "";
    if (!text) return null;
    if (type === "number") {
      var number = Number(text.replace(",", "."));
      var input = fields[0];
      if (!isFinite(number)) return null;
      if (input.step === "1" && Math.floor(number) !== number) return null;
      if (input.min !== "" && number < Number(input.min)) return null;
      if (input.max !== "" && number > Number(input.max)) return null;
      return number;
    }
    if (type === "date") return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : null;
    return text;
  }

  function sameKind(a, b) {
    return (typeof a === "boolean") === (typeof b === "boolean");
  }

  function test(value, op, operand, among) {
    if (op === "is") return (value === null || value === undefined) === (operand === "unanswered");
    if (value === null || value === undefined) return false;
    if (op === "equals") return sameKind(value, operand) && value === operand;
    if (op === "in") {
      return operand.some(function (item) { return sameKind(value, item) && value === item; });
    }
    if (op === "gte" || op === "lte" || op === "gt" || op === "lt") {
      if (typeof value === "boolean" || typeof value !== typeof operand) return false;
      if (op === "gte") return value >= operand;
      if (op === "lte") return value <= operand;
      if (op === "gt") return value > operand;
      return value < operand;
    }
    if (!Array.isArray(value)) return false;
    if (op === "includes") return value.indexOf(operand) !== -1;
    if (op === "includes_any") {
      return operand.some(function (item) { return value.indexOf(item) !== -1; });
    }
    if (op === "count_gte") {
      return value.filter(function (item) { return !among || among.indexOf(item) !== -1; }).length >= operand;
    }
    return false;
  }

  var OPERATORS = ["equals", "in", "gte", "lte", "gt", "lt", "is", "includes", "includes_any", "count_gte"];

  function holds(condition, answers) {
    if (condition.all) return condition.all.every(function (c) { return holds(c, answers); });
    if (condition.any) return condition.any.some(function (c) { return holds(c, answers); });
    if (condition.not) return !holds(condition.not, answers);
    if (condition.of) {
      return condition.of.filter(function (c) { return holds(c, answers); }).length >= condition.at_least;
    }
    var value = "answer" in condition ? answers[condition.answer] : facts[condition.fact];
    var op = OPERATORS.filter(function (name) { return name in condition; })[0];
    return op ? test(value === undefined ? null : value, op, condition[op], condition.among) : false;
  }

  function update() {
    var answers = {};
    questions.forEach(function (node) {
      var id = node.getAttribute("data-question");
      var shown = !conditions[id] || holds(conditions[id], answers);
      node.hidden = !shown;
      inputs(node).forEach(function (field) { field.disabled = !shown; });
      if (shown) {
        var value = read(node);
        if (value !== null) answers[id] = value;
      }
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector("[data-question]:not([hidden])");
    });
  }

  // "None of these" cannot be ticked with another answer: ticking one clears the other.
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type === "checkbox" && box.checked) {
      var node = box.closest("[data-exclusive]");
      if (node) {
        var exclusive = JSON.parse(node.getAttribute("data-exclusive"));
        var chosenExclusive = exclusive.indexOf(box.value) !== -1;
        inputs(node).forEach(function (other) {
          if (other !== box && (chosenExclusive || exclusive.indexOf(other.value) !== -1)) {
            other.checked = false;
          }
        });
      }
    }
    update();
  });
  form.addEventListener("input", update);
  update();
  // After a refused save, start from the list of what needs attention.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
