;;; promptwise_test.el --- headless Emacs + eglot end-to-end test  -*- lexical-binding: t -*-
;; emacs --batch -Q -l promptwise_test.el
;; Env: PW_SERVER_CMD (JSON list), PW_FILE, PW_OUT.  Exit code 0 = pass.
(require 'package)
;; -Q skips Debian's site-start: put elpa-eglot (and its dependencies) on load-path by hand.
(dolist (d (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (add-to-list 'load-path d))
(require 'eglot)
(require 'json)

(defvar pw-cmd (append (json-read-from-string (getenv "PW_SERVER_CMD")) nil))
(defvar pw-file (getenv "PW_FILE"))
(defvar pw-out (getenv "PW_OUT"))
(defvar pw-publishes 0)
(defvar pw-result (list (cons "emacs" emacs-version)))

(define-derived-mode prompty-mode text-mode "Prompty")
(add-to-list 'auto-mode-alist '("\\.prompty\\'" . prompty-mode))
(add-to-list 'eglot-server-programs
             `(prompty-mode . (,@pw-cmd :initializationOptions (:debounceMs 50))))
;; No VC repository around the file: a transient project keeps eglot from asking.
(add-hook 'project-find-functions (lambda (_dir) (cons 'transient (file-name-directory pw-file))))
(setq eglot-sync-connect t eglot-autoshutdown t)

(advice-add 'eglot-handle-notification :before
            (lambda (_server method &rest _)
              (when (eq method 'textDocument/publishDiagnostics)
                (setq pw-publishes (1+ pw-publishes)))))

(defun pw-wait (pred secs)
  "Pump process output until PRED is non-nil or SECS elapse."
  (let ((deadline (+ (float-time) secs)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall pred)))

(defun pw-texts () (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))

(defun pw-finish (ok &optional err)
  (push (cons "ok" (if ok t :json-false)) pw-result)
  (when err (push (cons "error" err) pw-result))
  (with-temp-file pw-out (insert (json-encode pw-result)))
  (ignore-errors (eglot-shutdown (eglot-current-server)))
  (kill-emacs (if ok 0 1)))

(condition-case err
    (let ((t0 (float-time)))
      (find-file pw-file)
      (apply #'eglot (eglot--guess-contact))
      (unless (eglot-current-server) (error "eglot did not connect"))
      ;; 1. diagnostics after didOpen, through flymake
      (unless (pw-wait (lambda () (seq-some (lambda (m) (string-match-p "tiket" m)) (pw-texts))) 20)
        (error "no undefined-variable diagnostic; got %S" (pw-texts)))
      (push (cons "diagnostics" (vconcat (pw-texts))) pw-result)
      ;; 2. fix the typo; eglot's idle timers do not run in batch mode, so signal by hand
      (goto-char (point-min))
      (search-forward "{{ tiket }}")
      (replace-match "{{ ticket }}" t t)
      (eglot--signal-textDocument/didChange)
      (push (cons "fixed_after_edit"
                  (if (pw-wait (lambda () (not (seq-some (lambda (m) (string-match-p "tiket" m))
                                                         (pw-texts))))
                               20) t :json-false))
            pw-result)
      (push (cons "publishes" pw-publishes) pw-result)
      ;; 3. eglot 1.9 has no code lens or inlay hints: raw requests
      (let* ((server (eglot--current-server-or-lose))
             (doc (eglot--TextDocumentIdentifier))
             (lens (jsonrpc-request server :textDocument/codeLens (list :textDocument doc)))
             (hints (jsonrpc-request server :textDocument/inlayHint
                                     (list :textDocument doc
                                           :range (list :start (list :line 0 :character 0)
                                                        :end (list :line 40 :character 0)))))
             (hover (jsonrpc-request server :textDocument/hover
                                     (list :textDocument doc
                                           :position (list :line 9 :character 25)))))
        (push (cons "codelens" (plist-get (plist-get (aref lens 0) :command) :title)) pw-result)
        (push (cons "inlay_hints" (vconcat (mapcar (lambda (h) (plist-get h :label)) hints)))
              pw-result)
        (push (cons "hover" (plist-get (plist-get hover :contents) :value)) pw-result))
      (push (cons "elapsed_ms" (round (* 1000 (- (float-time) t0)))) pw-result)
      (pw-finish t))
  (error (pw-finish nil (format "%S" err))))
